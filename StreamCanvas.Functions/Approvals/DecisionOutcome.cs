using StreamCanvas.Definitions;
using StreamCanvas.Storage;

namespace StreamCanvas.Approvals;

/// <summary>What became of a decision (or of a request to see a gate); the HTTP layer turns it into a response.</summary>
public enum DecisionResult
{
    /// <summary>Claimed and raised: the run applies exactly this decision.</summary>
    Accepted,

    /// <summary>Claimed and raised for a gate whose status is not visible yet; the gate applies it when it opens.</summary>
    AcceptedEarly,

    Invalid,
    Unauthorized,
    Forbidden,
    NotFound,

    /// <summary>The run has finished; the gate will never open again.</summary>
    Finished,

    /// <summary>Another decision won the gate; <see cref="DecisionOutcome.Decision"/> is the winner.</summary>
    AlreadyDecided,

    SnapshotMismatch,

    /// <summary>The gate has moved past the link's level (or its last level ran out); <see cref="DecisionOutcome.CurrentLevel"/> says where it is.</summary>
    Escalated,

    /// <summary>The run is suspended: nothing is decided or recorded, and the link works again once it resumes.</summary>
    Suspended,
}

/// <summary>A decision's fate: the result, why, the decision that applies (or won), and the fields at fault.</summary>
public sealed record DecisionOutcome(DecisionResult Result, string Detail, ApprovalDecision? Decision = null, IReadOnlyList<FieldError>? Errors = null)
{
    /// <summary>For <see cref="DecisionResult.Escalated"/>: the level the gate is at now, or null when it has timed out.</summary>
    public string? CurrentLevel { get; init; }

    /// <summary>The gate's deadline when it is known (shown by the approval page).</summary>
    public DateTime? Deadline { get; init; }

    public static DecisionOutcome Refused(DecisionResult result, string detail, params FieldError[] errors) => new(result, detail, null, errors);

    public static DecisionOutcome AlreadyDecided(string gateId, ApprovalDecision winner) =>
        new(DecisionResult.AlreadyDecided, $"gate '{gateId}' was already decided: {winner.Decision} by {winner.Approver}", winner);

    public static DecisionOutcome Suspended(string instanceId) =>
        Refused(DecisionResult.Suspended, $"run '{instanceId}' is suspended; decide after it is resumed (nothing was recorded)");

    /// <summary>The gate is past the link's level: named by <paramref name="currentLevel"/>, or timed out when it is null.</summary>
    public static DecisionOutcome Escalated(string gateId, int linkLevel, string? currentLevel) =>
        Refused(DecisionResult.Escalated, currentLevel is null
                ? $"gate '{gateId}' is no longer waiting at level {linkLevel}: its last level ran out"
                : $"gate '{gateId}' has escalated past level {linkLevel} of this link; it is now at level '{currentLevel}'",
            new FieldError("token", "issued for a level the gate has left")) with { CurrentLevel = currentLevel };
}
