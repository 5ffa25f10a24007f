using System.Text.Json.Nodes;

namespace StreamCanvas.Activities;

/// <summary>Which run, step and attempt an activity call belongs to (for logs, traces, errors and idempotency keys).</summary>
public sealed record StepIdentity(string InstanceId, string Workflow, string StepId, int Attempt)
{
    /// <summary>The map item the step runs for (null outside a map): every item runs the same step in one orchestration.</summary>
    public int? Item { get; init; }
}

/// <summary>An llm step with its templates already rendered by the orchestrator.</summary>
public sealed record LlmStepRequest(
    StepIdentity Step,
    string Prompt,
    string? System,
    string? Model,
    double? Temperature,
    int? MaxTokens,
    string Output,
    JsonObject? OutputSchema)
{
    /// <summary>What the validator said about the previous attempt's output, for the model to fix.</summary>
    public string? Feedback { get; init; }

    public Definitions.Rubric? Rubric { get; init; }

    /// <summary>The workflow's daily token and cost budgets, enforced across all runs and hosts.</summary>
    public Models.DailyBudgetLimits? DailyBudget { get; init; }
}

/// <summary>A tool step with its path and body already rendered by the orchestrator.</summary>
public sealed record ToolStepRequest(
    StepIdentity Step,
    string Connection,
    string Method,
    string Path,
    JsonNode? Body,
    IReadOnlyList<int> ExpectStatus,
    int? TimeoutSeconds)
{
    /// <summary>Set when an agent's model asked for the call: the tool's name and the model's call id (an execute_tool span).</summary>
    public AgentToolInvocation? AgentTool { get; init; }
}

/// <summary>Which tool an agent's model called, and the id of that call.</summary>
public sealed record AgentToolInvocation(string Name, string CallId);
