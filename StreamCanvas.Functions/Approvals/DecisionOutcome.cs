using StreamCanvas.Definitions;
using StreamCanvas.Storage;

namespace StreamCanvas.Approvals;

/// <summary>What became of a decision (or of a request to see a gate); the HTTP layer turns it into a response.</summary>
public enum DecisionResult
{
    /// <summary>Claimed and raised: the run applies exactly this decision.</summary>
    Accepted,

    /// <summary>Raised for a gate whose status is not visible yet; the gate applies it when it opens.</summary>
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
}

/// <summary>A decision's fate: the result, why, the decision that applies (or won), and the fields at fault.</summary>
public sealed record DecisionOutcome(DecisionResult Result, string Detail, ApprovalDecision? Decision = null, IReadOnlyList<FieldError>? Errors = null)
{
    public static DecisionOutcome Refused(DecisionResult result, string detail, params FieldError[] errors) => new(result, detail, null, errors);

    public static DecisionOutcome AlreadyDecided(string gateId, ApprovalDecision winner) =>
        new(DecisionResult.AlreadyDecided, $"gate '{gateId}' was already decided: {winner.Decision} by {winner.Approver}", winner);
}
