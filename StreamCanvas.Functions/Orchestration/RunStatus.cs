using System.Text.Json.Nodes;

namespace StreamCanvas.Orchestration;

/// <summary>The orchestration's custom status: always the step in progress, and why a run stopped.</summary>
public sealed record RunStatus
{
    public required string Workflow { get; init; }
    public required string Version { get; init; }
    public required string State { get; init; }
    public string? CurrentStep { get; init; }
    public string? StepKind { get; init; }
    public int Attempt { get; init; } = 1;
    public OpenGate? Gate { get; init; }
    public RunFailure? Failure { get; init; }
}

public static class RunStates
{
    public const string Running = "running";
    public const string Retrying = "retrying";
    public const string WaitingForApproval = "waiting-for-approval";
    public const string Completed = "completed";
    public const string Failed = "failed";
}

/// <summary>An approval gate that is waiting for a decision, with what the reviewer must see (for the pending list).</summary>
public sealed record OpenGate(
    string GateId, string Level, int LevelIndex, DateTime OpenedAt, DateTime Deadline, IReadOnlyList<string> Approvers, string SnapshotHash,
    string? Group = null, JsonObject? Snapshot = null, IReadOnlyList<string>? Criteria = null);

public sealed record RunFailure(string StepId, string Reason, string Message);
