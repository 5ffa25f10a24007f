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

    /// <summary>Every open gate, when more than one is (approvals in parallel branches); <see cref="Gate"/> is one of them.</summary>
    public IReadOnlyList<OpenGate>? Gates { get; init; }

    /// <summary>Branch and item counts of the parallel and map steps in flight.</summary>
    public IReadOnlyList<StepProgress>? Progress { get; init; }

    /// <summary>The turns so far of each agent step in flight (the newest that fit <see cref="RunStatusBudget.MaxAgentTurnsChars"/>).</summary>
    public IReadOnlyList<AgentInFlight>? Agents { get; init; }

    /// <summary>Child runs (workflow steps) in flight: the latest <see cref="MaxPublishedChildren"/> (a map can start hundreds).</summary>
    public IReadOnlyList<string>? Children { get; init; }

    /// <summary>Keeps the children's ids well inside <see cref="RunStatusBudget"/>.</summary>
    public const int MaxPublishedChildren = 10;

    public RunFailure? Failure { get; init; }

    /// <summary>Totals so far, so a running or failed run reports tokens and approval wait too.</summary>
    public RunTotals? Totals { get; init; }

    /// <summary>
    /// The latest step executions (at most <see cref="MaxPublishedSteps"/>, and only as many as fit
    /// <see cref="RunStatusBudget"/>), so the history of a run that has not completed is readable without replaying
    /// it. A completed run's full timeline is in its output.
    /// </summary>
    public IReadOnlyList<StepRecord>? Timeline { get; init; }

    /// <summary>How many earlier step executions were left out of <see cref="Timeline"/>.</summary>
    public int EarlierSteps { get; init; }

    /// <summary>Keeps the custom status small (a table row, written at every checkpoint) however long the run.</summary>
    public const int MaxPublishedSteps = 50;
}

public static class RunStates
{
    public const string Running = "running";
    public const string Retrying = "retrying";
    public const string WaitingForApproval = "waiting-for-approval";
    public const string Completed = "completed";
    public const string Failed = "failed";
}

/// <summary>
/// An approval gate that is waiting for a decision, with what the reviewer must see (for the pending list). A
/// snapshot too large for the status is stored beside the run (<see cref="SnapshotStored"/>) and read from there.
/// </summary>
public sealed record OpenGate(
    string GateId, string Level, int LevelIndex, DateTime OpenedAt, DateTime Deadline, IReadOnlyList<string> Approvers, string SnapshotHash,
    string? Group = null, JsonObject? Snapshot = null, IReadOnlyList<string>? Criteria = null, bool SnapshotStored = false);

/// <param name="EarlierTurns">Turns left out to keep the status within its budget (the step's record will have them all).</param>
public sealed record AgentInFlight(string StepId, IReadOnlyList<AgentTurnRecord> Turns, int EarlierTurns);

public sealed record RunFailure(string StepId, string Reason, string Message);

/// <summary>How far a parallel step (branches) or a map step (items) has got: counts only, so it fits any status.</summary>
public sealed record StepProgress(string StepId, string Kind, int Total, int Done, int Running, int Failed)
{
    /// <summary>Not started yet (map items waiting for a slot).</summary>
    public int Waiting => Total - Done - Running - Failed;
}

public static class OpenGateList
{
    /// <summary>Every gate a status shows open: <see cref="RunStatus.Gates"/>, or the one <see cref="RunStatus.Gate"/>.</summary>
    public static IReadOnlyList<OpenGate> OpenGates(this RunStatus status) =>
        status.Gates ?? (status.Gate is { } gate ? [gate] : []);
}
