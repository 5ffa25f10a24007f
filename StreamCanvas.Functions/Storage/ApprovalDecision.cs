namespace StreamCanvas.Storage;

/// <summary>A reviewer's decision, raised to the run as the external event of its gate.</summary>
public sealed record ApprovalDecision
{
    public required string Decision { get; init; }
    public required string Approver { get; init; }
    public string? Comment { get; init; }

    /// <summary>Each approval criterion and whether the reviewer confirmed it.</summary>
    public IReadOnlyDictionary<string, bool> Criteria { get; init; } = new Dictionary<string, bool>();

    /// <summary>The hash of the snapshot the reviewer saw; it must match the gate's.</summary>
    public required string SnapshotHash { get; init; }

    public required int Level { get; init; }
    public required DateTime DecidedAt { get; init; }
}

public static class Decisions
{
    public const string Approve = "approve";
    public const string Reject = "reject";
    public const string RequestChanges = "request-changes";

    public static readonly IReadOnlySet<string> All = new HashSet<string> { Approve, Reject, RequestChanges };
}

public static class ApprovalEvents
{
    /// <summary>One event name per gate opening, so a decision can only land on the gate it was meant for.</summary>
    public static string ForGate(string gateId) => $"approval:{gateId}";

    /// <summary>Gate ids count openings: "review-1", then "review-2" after a request for changes.</summary>
    public static string GateId(string stepId, int round) => $"{stepId}-{round}";
}
