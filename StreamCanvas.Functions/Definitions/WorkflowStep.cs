using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace StreamCanvas.Definitions;

/// <summary>A node of a workflow; the "kind" property selects the concrete step type.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(LlmStep), StepKinds.Llm)]
[JsonDerivedType(typeof(ToolStep), StepKinds.Tool)]
[JsonDerivedType(typeof(ApprovalStep), StepKinds.Approval)]
[JsonDerivedType(typeof(ConditionStep), StepKinds.Condition)]
[JsonDerivedType(typeof(ParallelStep), StepKinds.Parallel)]
[JsonDerivedType(typeof(MapStep), StepKinds.Map)]
[JsonDerivedType(typeof(SubWorkflowStep), StepKinds.Workflow)]
[JsonDerivedType(typeof(AgentStep), StepKinds.Agent)]
public abstract record WorkflowStep
{
    public required string Id { get; init; }
    public string? Description { get; init; }

    /// <summary>The step to run next; the following step in the list when absent, "end" to finish.</summary>
    public string? Next { get; init; }

    public StepRetryPolicy? Retry { get; init; }
    public OnFailure? OnFailure { get; init; }

    [JsonIgnore]
    public string Kind => this switch
    {
        LlmStep => StepKinds.Llm,
        ToolStep => StepKinds.Tool,
        ApprovalStep => StepKinds.Approval,
        ConditionStep => StepKinds.Condition,
        ParallelStep => StepKinds.Parallel,
        MapStep => StepKinds.Map,
        SubWorkflowStep => StepKinds.Workflow,
        AgentStep => StepKinds.Agent,
        _ => throw new InvalidOperationException($"unknown step type {GetType().Name}"),
    };
}

public static class StepKinds
{
    public const string Llm = "llm";
    public const string Tool = "tool";
    public const string Approval = "approval";
    public const string Condition = "condition";
    public const string Parallel = "parallel";
    public const string Map = "map";
    public const string Workflow = "workflow";
    public const string Agent = "agent";
}

/// <summary>A model call. The prompt is a template over input and earlier step outputs.</summary>
public sealed record LlmStep : WorkflowStep
{
    public required string Prompt { get; init; }
    public string? System { get; init; }

    /// <summary>Model or deployment name; the configured default when absent.</summary>
    public string? Model { get; init; }

    public double? Temperature { get; init; }
    public int? MaxTokens { get; init; }

    /// <summary>"text" (output is { text }) or "json" (output is the parsed object).</summary>
    public string Output { get; init; } = LlmOutputFormats.Text;

    /// <summary>For JSON output: the shape the model is asked for (and the offline model fills).</summary>
    public JsonObject? OutputSchema { get; init; }

    /// <summary>Most tokens (prompt + completion) one call of this step may use; checked before calling.</summary>
    public int? TokenBudget { get; init; }

    /// <summary>How the output is checked (schema, rubric) and how often the model may try again with feedback.</summary>
    public OutputValidation? Validation { get; init; }

}

public static class LlmOutputFormats
{
    public const string Text = "text";
    public const string Json = "json";
}

/// <summary>
/// Output checks for an llm step: the <see cref="LlmStep.OutputSchema"/> (JSON output) and an optional rubric.
/// A failing output is retried with the validator's feedback up to <see cref="MaxAttempts"/> times, then the
/// step fails with output-invalid (its onFailure can route to an approval gate).
/// </summary>
public sealed record OutputValidation
{
    public int MaxAttempts { get; init; } = 2;
    public Rubric? Rubric { get; init; }
}

/// <summary>A deterministic rule (a condition over { "output": ... }) or a second model call that grades the output.</summary>
public sealed record Rubric
{
    public Condition? Rule { get; init; }

    /// <summary>Grading prompt; the output is appended. The grader answers { "pass": bool, "feedback": string }.</summary>
    public string? Prompt { get; init; }
    public string? Model { get; init; }

    /// <summary>Said to the model when the rule fails.</summary>
    public string? Feedback { get; init; }
}

/// <summary>An HTTP call to a named, allow-listed connection.</summary>
public sealed record ToolStep : WorkflowStep
{
    /// <summary>Name of a connection configured under Tools:Connections; only those may be called.</summary>
    public required string Connection { get; init; }
    public string Method { get; init; } = "GET";
    public required string Path { get; init; }
    public JsonNode? Body { get; init; }
    public IReadOnlyList<int> ExpectStatus { get; init; } = [];
    public int? TimeoutSeconds { get; init; }

}

/// <summary>Branches on conditions over input and step outputs.</summary>
public sealed record ConditionStep : WorkflowStep
{
    public required IReadOnlyList<Branch> Branches { get; init; }
    public required string Else { get; init; }

}

public sealed record Branch(Condition When, string Goto);

/// <summary>How often a failing step is tried and how long to wait between tries.</summary>
public sealed record StepRetryPolicy
{
    public int MaxAttempts { get; init; } = 1;
    public double FirstDelaySeconds { get; init; } = 1;
    public double BackoffCoefficient { get; init; } = 2;
    public double MaxDelaySeconds { get; init; } = 300;

    public static StepRetryPolicy None { get; } = new();

    public TimeSpan DelayBeforeAttempt(int nextAttempt)
    {
        double seconds = FirstDelaySeconds * Math.Pow(BackoffCoefficient, Math.Max(0, nextAttempt - 2));
        return TimeSpan.FromSeconds(Math.Min(seconds, MaxDelaySeconds));
    }
}

/// <summary>What a step that has exhausted its retries does: go to a step, or fail the run with a reason.</summary>
public sealed record OnFailure
{
    public string? Goto { get; init; }
    public string? Fail { get; init; }
}
