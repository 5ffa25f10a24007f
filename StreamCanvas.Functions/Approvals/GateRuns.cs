using Microsoft.DurableTask.Client;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;

namespace StreamCanvas.Approvals;

/// <summary>What showing and deciding a gate both read from the run: its token checked, its run, its open gate.</summary>
public static class GateRuns
{
    /// <summary>The link's token checked and its run loaded. Run is null exactly when the outcome says why.</summary>
    public static async Task<(TokenCheck Token, OrchestrationMetadata? Run, DecisionOutcome? Refusal)> AuthorizeAsync(
        ApprovalTokens tokens, string? token, string instanceId, string gateId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        TokenCheck check = tokens.Check(token, instanceId, gateId);
        if (TokenProblem(check) is { } refused)
        {
            return (check, null, refused);
        }

        OrchestrationMetadata? run = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        return run is null ? (check, null, DecisionOutcome.Refused(DecisionResult.NotFound, $"no run with id '{instanceId}'")) : (check, run, null);
    }

    /// <summary>Unauthorized for a token that is missing or not signed for this run and gate, Forbidden for an expired one.</summary>
    static DecisionOutcome? TokenProblem(TokenCheck token) => token.Status switch
    {
        TokenStatus.Invalid => DecisionOutcome.Refused(DecisionResult.Unauthorized,
            "this route needs the token from the approval link, valid for this run and gate (?token=, Authorization: Bearer or X-Approval-Token)",
            new FieldError("token", "missing, malformed or not signed for this run and gate")),
        TokenStatus.Expired => DecisionOutcome.Refused(DecisionResult.Forbidden,
            "the decision token has expired; use the link from the latest notification", new FieldError("token", "expired")),
        _ => null,
    };

    public static OpenGate? OpenGateOf(OrchestrationMetadata run, string gateId) =>
        run.IsActive() && run.ReadCustomStatusAs<RunStatus>()?.Gate is { } open && open.GateId == gateId ? open : null;

    /// <summary>
    /// A gate not visible yet may still be opening: the run is running, waits at no other gate, has not closed
    /// this one, and its definition has an approval step of that id.
    /// </summary>
    public static bool MayStillOpen(OrchestrationMetadata run, string gateId)
    {
        if (!run.IsActive() || run.ReadCustomStatusAs<RunStatus>()?.Gate is not null || HasClosed(run, gateId))
        {
            return false;
        }

        int dash = gateId.LastIndexOf('-');
        return dash > 0 && run.ReadInputAs<WorkflowRunRequest>()?.Definition.FindStep(gateId[..dash]) is ApprovalStep;
    }

    /// <summary>Whether the run's published timeline shows this gate already closed (decided or timed out).</summary>
    public static bool HasClosed(OrchestrationMetadata run, string gateId) =>
        run.ReadCustomStatusAs<RunStatus>()?.Timeline?.Any(step => step.Approval?.GateId == gateId) ?? false;
}
