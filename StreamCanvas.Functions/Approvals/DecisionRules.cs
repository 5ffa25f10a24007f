using System.Text.Json.Nodes;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;

namespace StreamCanvas.Approvals;

/// <summary>
/// The rules a decision must pass before it is claimed, in one place: the level the link was issued for, the
/// request's fields against the gate's criteria, the snapshot the approver reviewed, and the approver.
/// </summary>
public static class DecisionRules
{
    /// <summary>The checked request, or the refusal saying which rule it broke.</summary>
    public static (DecisionRequest? Request, DecisionOutcome? Refusal) Check(TokenCheck token, OpenGate gate, JsonNode? body)
    {
        if (token.Level != gate.LevelIndex)
        {
            return (null, DecisionOutcome.Refused(DecisionResult.Forbidden,
                $"the token is for escalation level {token.Level}; gate '{gate.GateId}' is now at level {gate.LevelIndex} ({gate.Level})",
                new FieldError("token", "issued for another level")));
        }

        (DecisionRequest? decided, IReadOnlyList<FieldError> errors) = DecisionRequest.Parse(body, gate.Criteria ?? []);
        if (decided is null)
        {
            return (null, DecisionOutcome.Refused(DecisionResult.Invalid, "the decision is not valid", [.. errors]));
        }

        if (!string.Equals(decided.SnapshotHash, gate.SnapshotHash, StringComparison.OrdinalIgnoreCase))
        {
            return (null, DecisionOutcome.Refused(DecisionResult.SnapshotMismatch,
                "the snapshot you reviewed is not the one this gate waits on; reload it and review again",
                new FieldError("/snapshotHash", "does not match the gate's snapshot")));
        }

        if (gate.Approvers.Count > 0 && !gate.Approvers.Contains(decided.Approver, StringComparer.OrdinalIgnoreCase))
        {
            return (null, DecisionOutcome.Refused(DecisionResult.Forbidden,
                $"'{decided.Approver}' is not an approver at level {gate.Level}", new FieldError("/approver", "not on this level's approvers")));
        }

        return (decided, null);
    }
}
