using System.Text.Json.Nodes;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;

namespace StreamCanvas.Approvals;

/// <summary>What a decision is checked against: the gate's current level, who may decide there, the checklist and the snapshot.</summary>
/// <param name="Levels">The level names, by index, to name the current level in a refusal.</param>
/// <param name="SnapshotHash">Null before the gate is visible: the gate itself then checks the hash.</param>
public sealed record GateRules(string GateId, int LevelIndex, IReadOnlyList<string> Levels, IReadOnlyList<string> Members, IReadOnlyList<string> Criteria, string? SnapshotHash)
{
    /// <summary>The rules of an open gate, with the level's members as configured now.</summary>
    public static GateRules Of(OpenGate gate, ApprovalOptions options, IReadOnlyList<string> levels) =>
        new(gate.GateId, gate.LevelIndex, levels, options.MembersOf(gate.Approvers, gate.Group), gate.Criteria ?? [], gate.SnapshotHash);

    /// <summary>The rules of a gate that is opening but not visible yet: its first level, from the run's definition.</summary>
    public static GateRules Opening(string gateId, ApprovalStep step, ApprovalOptions options) =>
        new(gateId, 0, [.. step.Escalation.Select(l => l.Name)], options.MembersOf(step.Escalation[0].Approvers, step.Escalation[0].Group), step.Criteria, null);

    public string LevelName(int index) => index >= 0 && index < Levels.Count ? Levels[index] : index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// The rules every decision passes before it is claimed, on every path (an open gate, a gate still opening, the
/// dashboard): the link's level is the gate's, the link's approver may decide there, the request names every
/// criterion (all confirmed to approve), and the snapshot reviewed is the gate's.
/// </summary>
public static class DecisionRules
{
    /// <summary>The checked request, or the refusal saying which rule it broke.</summary>
    public static (DecisionRequest? Request, DecisionOutcome? Refusal) Check(TokenCheck token, GateRules gate, JsonNode? body)
    {
        if (token.Level != gate.LevelIndex)
        {
            return (null, DecisionOutcome.Escalated(gate.GateId, token.Level, gate.LevelName(gate.LevelIndex)));
        }

        // A level with no approvers and no configured group members is decided by whoever holds a valid link.
        if (gate.Members.Count > 0 && !gate.Members.Contains(token.Approver, StringComparer.OrdinalIgnoreCase))
        {
            return (null, DecisionOutcome.Refused(DecisionResult.Forbidden,
                $"'{token.Approver}' is not an approver at level '{gate.LevelName(gate.LevelIndex)}'", new FieldError("token", "issued to someone not on this level")));
        }

        (DecisionRequest? decided, IReadOnlyList<FieldError> errors) = DecisionRequest.Parse(body, gate.Criteria, token.Approver);
        if (decided is null)
        {
            return (null, DecisionOutcome.Refused(DecisionResult.Invalid, "the decision is not valid", [.. errors]));
        }

        if (gate.SnapshotHash is not null && !string.Equals(decided.SnapshotHash, gate.SnapshotHash, StringComparison.OrdinalIgnoreCase))
        {
            return (null, DecisionOutcome.Refused(DecisionResult.SnapshotMismatch,
                "the snapshot you reviewed is not the one this gate waits on; reload it and review again",
                new FieldError("/snapshotHash", "does not match the gate's snapshot")));
        }

        return (decided, null);
    }
}
