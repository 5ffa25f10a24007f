using System.Text.Json.Nodes;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;

namespace StreamCanvas.Approvals;

/// <summary>What a decision is checked against: the gate's current level, who may decide there, the checklist and the snapshot.</summary>
/// <param name="Levels">The level names, by index, to name the current level in a refusal.</param>
/// <param name="SnapshotHash">Null before the gate is visible: the gate itself then checks the hash.</param>
/// <param name="Group">The level's group, matched against a principal's group claims.</param>
public sealed record GateRules(
    string GateId, int LevelIndex, IReadOnlyList<string> Levels, IReadOnlyList<string> Members, IReadOnlyList<string> Criteria, string? SnapshotHash, string? Group)
{
    /// <summary>The rules of an open gate, with the level's members as configured now.</summary>
    public static GateRules Of(OpenGate gate, ApprovalOptions options, IReadOnlyList<string> levels) =>
        new(gate.GateId, gate.LevelIndex, levels, options.MembersOf(gate.Approvers, gate.Group), gate.Criteria ?? [], gate.SnapshotHash, gate.Group);

    /// <summary>The rules of a gate that is opening but not visible yet: its first level, from the run's definition.</summary>
    public static GateRules Opening(string gateId, ApprovalStep step, ApprovalOptions options) =>
        new(gateId, 0, [.. step.Escalation.Select(l => l.Name)], options.MembersOf(step.Escalation[0].Approvers, step.Escalation[0].Group), step.Criteria, null,
            step.Escalation[0].Group);

    public string LevelName(int index) => index >= 0 && index < Levels.Count ? Levels[index] : index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// The rules every decision passes before it is claimed, on every path (an open gate, a gate still opening, the
/// dashboard) and for every identity (a link's approver, the platform's principal): a link's level is the gate's,
/// the identity may decide there, the request names every criterion (all confirmed to approve), and the snapshot
/// reviewed is the gate's.
/// </summary>
public static class DecisionRules
{
    /// <summary>The checked request, or the refusal saying which rule it broke.</summary>
    public static (DecisionRequest? Request, DecisionOutcome? Refusal) Check(ApproverIdentity who, GateRules gate, JsonNode? body)
    {
        if (Authorize(who, gate) is { } refused)
        {
            return (null, refused);
        }

        (DecisionRequest? decided, IReadOnlyList<FieldError> errors) = DecisionRequest.Parse(body, gate.Criteria, who.Approver);
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

    /// <summary>
    /// The identity rules alone (also what showing a gate checks): a link for a level the gate has left is
    /// Escalated, an identity that may not decide at the level is Forbidden; null when it may go on.
    /// </summary>
    public static DecisionOutcome? Authorize(ApproverIdentity who, GateRules gate)
    {
        if (who.LevelAt(gate) != gate.LevelIndex)
        {
            return DecisionOutcome.Escalated(gate.GateId, who.LevelAt(gate), gate.LevelName(gate.LevelIndex));
        }

        if (!who.MayDecide(gate))
        {
            string level = gate.LevelName(gate.LevelIndex);
            return who.Source == IdentitySource.Link
                ? DecisionOutcome.Refused(DecisionResult.Forbidden,
                    $"'{who.Approver}' is not an approver at level '{level}'", new FieldError("token", "issued to someone not on this level"))
                : DecisionOutcome.Refused(DecisionResult.Forbidden,
                    $"'{who.Approver}' is not an approver at level '{level}': not listed on it, and no group claim names its group",
                    new FieldError("principal", "signed in as someone not on this level"));
        }

        return null;
    }
}
