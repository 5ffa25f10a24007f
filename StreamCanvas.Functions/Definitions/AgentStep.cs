using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

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

    /// <summary>
    /// What a tool's gate is named after: the tool, or for an MCP server's tool "server.tool" (so the gate id alone
    /// finds the entry, and with it the approvers, even though the server's tools are only known at run time).
    /// </summary>
    public static string GateName(AgentTool entry, string toolName) => entry.Mcp is null ? toolName : $"{entry.Mcp}.{toolName}";

    /// <summary>The approval step a gated tool's calls open, named <see cref="GateStepId"/>; its snapshot is the call.</summary>
    public ApprovalStep? GateStep(AgentTool entry, string toolName) =>
        entry.Approval is { } approval
            ? new ApprovalStep
            {
                Id = GateStepId(Id, GateName(entry, toolName)),
                Description = $"agent '{Id}' calls tool '{toolName}'",
                Context = ["tool", "arguments", "conversation"],
                Criteria = approval.Criteria,
                Escalation = approval.Escalation,
                OnTimeout = approval.OnTimeout,
            }
            : null;

    /// <summary>The approval step of a gate named by <see cref="GateName"/> (the part of a gate id after the agent's id).</summary>
    public ApprovalStep? GateStep(string gateName)
    {
        int dot = gateName.IndexOf('.', StringComparison.Ordinal);
        AgentTool? entry = dot > 0
            ? Tools.FirstOrDefault(t => t.Mcp == gateName[..dot])
            : Tools.FirstOrDefault(t => t.Mcp is null && t.Name == gateName);
        return entry is null ? null : GateStep(entry, dot > 0 ? gateName[(dot + 1)..] : gateName);
    }
}

/// <summary>
/// What the agent's model may call, one of three kinds:
/// an HTTP call to <see cref="Connection"/> (<see cref="Name"/>, <see cref="Description"/> and
/// <see cref="Parameters"/> are what the model sees; <see cref="Path"/> and <see cref="Body"/> templates read the
/// arguments as <c>{{args.x}}</c>);
/// another <see cref="Workflow"/>, started as a sub-orchestration (its input schema, description and owner are what
/// the model sees);
/// or the tools of the MCP server <see cref="Mcp"/> names in configuration (all, or those <see cref="Include"/> lists).
/// </summary>
public sealed record AgentTool
{
    /// <summary>The function name the model calls (HTTP and workflow tools; an MCP server's tools keep their own names).</summary>
    public string Name { get; init; } = "";

    public string Description { get; init; } = "";
    public JsonObject Parameters { get; init; } = new() { ["type"] = "object", ["properties"] = new JsonObject() };
    public string? Connection { get; init; }
    public string Method { get; init; } = "GET";
    public string? Path { get; init; }
    public JsonNode? Body { get; init; }
    public IReadOnlyList<int> ExpectStatus { get; init; } = [];
    public int? TimeoutSeconds { get; init; }

    /// <summary>A workflow of the same catalog, started as a child run per call; a chain calling back is a load error.</summary>
    public string? Workflow { get; init; }

    /// <summary>The name of an MCP server configured under Mcp:Servers; its tools are listed when the step starts.</summary>
    public string? Mcp { get; init; }

    /// <summary>With <see cref="Mcp"/>: the server's tools the model may call; absent, all of them.</summary>
    public IReadOnlyList<string>? Include { get; init; }

    /// <summary>How messages name this entry: the tool, or the MCP server for an entry that stands for its tools.</summary>
    [JsonIgnore]
    public string Label => Mcp is null ? Name : $"mcp:{Mcp}";

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
