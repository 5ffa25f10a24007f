using System.Text.Json.Nodes;
using StreamCanvas.Activities;

namespace StreamCanvas.Orchestration;

/// <summary>The output of a completed run.</summary>
public sealed record WorkflowRunResult
{
    public required string Workflow { get; init; }
    public required string Version { get; init; }

    /// <summary><see cref="Definitions.RunOutcomes.Succeeded"/> or <see cref="Definitions.RunOutcomes.FailedCriteria"/>.</summary>
    public required string Outcome { get; init; }

    /// <summary>Each executed step's output, by step id.</summary>
    public required JsonObject Outputs { get; init; }

    public required IReadOnlyList<CriterionResult> DefinitionOfDone { get; init; }
    public required IReadOnlyList<StepRecord> Steps { get; init; }
    public required RunTotals Totals { get; init; }
}

/// <summary>Whether one definition-of-done criterion held, and the value it looked at.</summary>
public sealed record CriterionResult(string Name, bool Met, JsonNode? Actual);

/// <summary>What one execution of one step did; the run's timeline is a list of these.</summary>
public sealed record StepRecord
{
    public required string StepId { get; init; }
    public required string Kind { get; init; }
    public required string Status { get; init; }
    public required DateTime StartedAt { get; init; }
    public DateTime? CompletedAt { get; init; }
    public int Attempts { get; init; } = 1;
    public string? Model { get; init; }
    public TokenUsage? Tokens { get; init; }

    /// <summary>The model calls' cost at the configured prices, every attempt included.</summary>
    public decimal? Cost { get; init; }
    public double? ActivityMilliseconds { get; init; }

    /// <summary>Wall-clock time of the step from its start to its end, retries and approval waits included.</summary>
    public double? DurationMilliseconds => CompletedAt is DateTime completed ? (completed - StartedAt).TotalMilliseconds : null;
    public StepError? Error { get; init; }

    /// <summary>For condition steps, the branch taken; for failures routed elsewhere, the step gone to.</summary>
    public string? Next { get; init; }

    /// <summary>For approval steps: who decided what, at which level, and how long it took.</summary>
    public ApprovalRecord? Approval { get; init; }

    /// <summary>For parallel steps: how each branch ended.</summary>
    public IReadOnlyList<BranchRecord>? Branches { get; init; }

    /// <summary>For parallel and map steps: branch or item counts.</summary>
    public StepProgress? Progress { get; init; }

    /// <summary>For workflow steps: the child run.</summary>
    public string? ChildInstanceId { get; init; }

    /// <summary>For agent steps: each model turn and the tool calls it made.</summary>
    public IReadOnlyList<AgentTurnRecord>? Turns { get; init; }
}

/// <summary>One model turn of an agent step: the model, its tokens and time, and the tools it called.</summary>
public sealed record AgentTurnRecord(int Turn, string? Model, TokenUsage? Tokens, double ActivityMilliseconds, IReadOnlyList<AgentToolCallRecord> ToolCalls)
{
    /// <summary>How the turn failed, when it did (the model's error, an invalid answer).</summary>
    public string? Error { get; init; }
}

/// <summary>
/// One tool call of an agent turn: the tool, its arguments (shortened), how it ended (succeeded, failed, refused,
/// invalid), the HTTP status, the size of the result given to the model, its duration, and the gate it waited at.
/// </summary>
public sealed record AgentToolCallRecord(string CallId, string Tool, string Arguments, string Status)
{
    public int? HttpStatus { get; init; }
    public int ResultChars { get; init; }
    public double? ActivityMilliseconds { get; init; }
    public string? GateId { get; init; }

    /// <summary>A workflow tool's call: the child run it started.</summary>
    public string? ChildInstanceId { get; init; }

    public string? Error { get; init; }
}

public static class ToolCallStatuses
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    /// <summary>Its approval gate rejected it (or timed out rejecting); the model was told.</summary>
    public const string Refused = "refused";

    /// <summary>Not run: an unknown tool, or arguments that do not match its schema; the model was told.</summary>
    public const string Invalid = "invalid";
}

/// <summary>How one branch of a parallel step ended: succeeded, failed, or cancelled (the join was decided without it).</summary>
public sealed record BranchRecord(string Name, string Status, DateTime StartedAt, DateTime? CompletedAt, StepError? Error = null);

public static class StepStatuses
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    /// <summary>A branch whose result was no longer needed when the join was decided.</summary>
    public const string Cancelled = "cancelled";
}

/// <param name="Cost">Model cost at the configured prices (Model:Pricing); unpriced models add nothing.</param>
public sealed record RunTotals(int PromptTokens, int CompletionTokens, int StepsExecuted, double ApprovalWaitSeconds, decimal Cost = 0)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}
