namespace StreamCanvas.Orchestration;

/// <summary>
/// How an approval gate ended, kept in the run's history: the decision, who made it at which level, each
/// criterion's answer, the latency from opening to decision, and every escalation and notification on the way.
/// </summary>
public sealed record ApprovalRecord
{
    public required string GateId { get; init; }

    /// <summary>approve, reject or request-changes; for a timeout, the action the definition chose (or timed-out).</summary>
    public required string Decision { get; init; }

    /// <summary>The approver, or "timeout" when the last level ran out.</summary>
    public required string DecidedBy { get; init; }
    public required string Level { get; init; }
    public required int LevelIndex { get; init; }
    public string? Comment { get; init; }
    public IReadOnlyDictionary<string, bool> Criteria { get; init; } = new Dictionary<string, bool>();
    public required string SnapshotHash { get; init; }
    public required DateTime OpenedAt { get; init; }
    public required DateTime DecidedAt { get; init; }
    public required double LatencySeconds { get; init; }
    public IReadOnlyList<GateEscalation> Escalations { get; init; } = [];
    public IReadOnlyList<GateNotification> Notifications { get; init; } = [];

    /// <summary>Decision events the gate refused (wrong snapshot hash, unknown decision) and kept waiting past.</summary>
    public IReadOnlyList<string> Ignored { get; init; } = [];
}

public sealed record GateEscalation(string Level, int LevelIndex, DateTime At);

/// <summary>One notice sent (or, with no webhook configured, only logged) to a level's approvers.</summary>
public sealed record GateNotification(string Kind, string Level, DateTime At, bool Delivered, string? Error = null);

public static class TimeoutOutcomes
{
    /// <summary>The gate's decision when the last level ran out and the definition says fail.</summary>
    public const string TimedOut = "timed-out";

    public const string DecidedByTimeout = "timeout";
}
