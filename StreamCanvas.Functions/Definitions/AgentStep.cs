using System.Text.Json.Nodes;

namespace StreamCanvas.Definitions;

/// <summary>
/// A model that calls tools in a loop: each turn is one model call, each tool call one HTTP call to an allow-listed
/// connection, until the model answers without calling a tool or <see cref="MaxTurns"/> is reached. A tool can
/// require approval (always, or when a condition over its arguments holds) before it runs.
/// </summary>
public sealed record AgentStep : WorkflowStep
{
    /// <summary>The system message: who the agent is and how it works (a template).</summary>
    public required string Instructions { get; init; }

    /// <summary>The task, the first user message (a template over input and earlier step outputs).</summary>
    public required string Prompt { get; init; }

    /// <summary>Model or deployment name; the configured default when absent.</summary>
    public string? Model { get; init; }

    public double? Temperature { get; init; }

    /// <summary>Completion cap of each turn.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Most model turns; the step fails with max-turns-reached when the model still calls tools then.</summary>
    public int MaxTurns { get; init; } = 8;

    /// <summary>Most tokens (prompt + completion) all turns of the step may use; checked before each turn.</summary>
    public int? TokenBudget { get; init; }

    /// <summary>"text" (output is { text }) or "json" (the final answer parsed).</summary>
    public string Output { get; init; } = LlmOutputFormats.Text;

    public JsonObject? OutputSchema { get; init; }

    /// <summary>Checks of the final answer; a failing answer goes back to the model with the feedback (a turn).</summary>
    public OutputValidation? Validation { get; init; }

    public IReadOnlyList<AgentTool> Tools { get; init; } = [];

    /// <summary>The id of the approval "step" a tool's gate opens as: the agent's id and the tool's name.</summary>
    public static string GateStepId(string agentId, string toolName) => $"{agentId}.{toolName}";

    /// <summary>The approval step a gated tool's calls open, named <see cref="GateStepId"/>; its snapshot is the call.</summary>
    public ApprovalStep? GateStep(string toolName) =>
        Tools.FirstOrDefault(t => t.Name == toolName) is { Approval: { } approval } tool
            ? new ApprovalStep
            {
                Id = GateStepId(Id, tool.Name),
                Description = $"agent '{Id}' calls tool '{tool.Name}'",
                Context = ["tool", "arguments", "conversation"],
                Criteria = approval.Criteria,
                Escalation = approval.Escalation,
                OnTimeout = approval.OnTimeout,
            }
            : null;
}

/// <summary>
/// A function the agent's model may call: its <see cref="Name"/>, <see cref="Description"/> and
/// <see cref="Parameters"/> (JSON Schema of the arguments) are what the model sees; the call is an HTTP request to
/// <see cref="Connection"/>, with <see cref="Path"/> and <see cref="Body"/> templates that read the arguments as
/// <c>{{args.x}}</c>.
/// </summary>
public sealed record AgentTool
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    public JsonObject Parameters { get; init; } = new() { ["type"] = "object", ["properties"] = new JsonObject() };
    public required string Connection { get; init; }
    public string Method { get; init; } = "GET";
    public required string Path { get; init; }
    public JsonNode? Body { get; init; }
    public IReadOnlyList<int> ExpectStatus { get; init; } = [];
    public int? TimeoutSeconds { get; init; }

    /// <summary>Every call waits for a person's approval before it runs.</summary>
    public bool RequiresApproval { get; init; }

    /// <summary>A call waits for approval when this condition over { "args": ... } holds (e.g. args.amount atLeast 100).</summary>
    public Condition? ApprovalWhen { get; init; }

    /// <summary>Who approves and how the gate escalates (required when the tool can need approval).</summary>
    public AgentToolApproval? Approval { get; init; }
}

public sealed record AgentToolApproval
{
    public IReadOnlyList<string> Criteria { get; init; } = [];
    public required IReadOnlyList<EscalationLevel> Escalation { get; init; }

    /// <summary>What the last level timing out means: reject (the model is told), approve, or fail the step.</summary>
    public string OnTimeout { get; init; } = TimeoutActions.Reject;
}

public static class AgentArgs
{
    /// <summary>The root tool templates and approval conditions read a call's arguments from.</summary>
    public const string Root = "args";
}
