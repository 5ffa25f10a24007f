using Microsoft.DurableTask.Client;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;

namespace StreamCanvas.Approvals;

/// <summary>What showing and deciding a gate both read from the run: its token checked, its run, its open gate.</summary>
public static class GateRuns
{
    /// <summary>
    /// The run loaded and the identity established: the link's token checked against the run (its instance, its
    /// current execution, the gate), or, for a request without a token, the platform's authenticated principal.
    /// Run is null exactly when the refusal says why; a suspended run is refused without reading further.
    /// </summary>
    /// <param name="principal">Only ever from the Functions host's adapter, and only when the platform vouches for it.</param>
    public static async Task<(ApproverIdentity? Who, OrchestrationMetadata? Run, DecisionOutcome? Refusal)> AuthorizeAsync(
        ApprovalTokens tokens, ApprovalOptions approvals, string? token, AuthenticatedPrincipal? principal, string instanceId, string gateId,
        DurableTaskClient client, CancellationToken cancellationToken)
    {
        // A link's token, when one is presented, is the credential; a principal speaks only for a request without one.
        bool asPrincipal = token is null && principal is not null;
        if (!asPrincipal && !ApprovalTokens.IsWellFormed(token))
        {
            return (null, null, TokenProblem(TokenCheck.Invalid));
        }

        OrchestrationMetadata? run = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (run is null)
        {
            return (null, null, DecisionOutcome.Refused(DecisionResult.NotFound, $"no run with id '{instanceId}'"));
        }

        ApproverIdentity who;
        if (asPrincipal)
        {
            // Nothing about the gate (not even who decided it) is told to a principal who is on none of its levels.
            who = ApproverIdentity.Of(principal!);
            if (!IsOnTheStep(who, run, gateId, approvals))
            {
                return (null, null, DecisionOutcome.Refused(DecisionResult.Forbidden,
                    $"'{who.Approver}' is not an approver of gate '{gateId}': not listed on any of its levels, and none of their group claims names a level's group",
                    new FieldError("principal", "signed in as someone not on this gate")));
            }
        }
        else
        {
            TokenCheck check = tokens.Check(token, instanceId, ExecutionIdOf(run), gateId);
            if (TokenProblem(check) is { } refused)
            {
                return (null, null, refused);
            }

            who = ApproverIdentity.Of(check);
        }

        return run.RuntimeStatus == OrchestrationRuntimeStatus.Suspended
            ? (who, null, DecisionOutcome.Suspended(instanceId))
            : (who, run, null);
    }

    /// <summary>Whether the identity may decide at some level of the gate's approval step (which level is checked later, against the gate).</summary>
    static bool IsOnTheStep(ApproverIdentity who, OrchestrationMetadata run, string gateId, ApprovalOptions approvals) =>
        StepOf(run, gateId) is { } step && step.Escalation
            .Select((level, index) => new GateRules(gateId, index, [], approvals.MembersOf(level.Approvers, level.Group), [], null, level.Group))
            .Any(who.MayDecide);

    /// <summary>The execution approval links of this run are signed for (empty for runs started without one).</summary>
    public static string ExecutionIdOf(OrchestrationMetadata run) => run.ReadInputAs<WorkflowRunRequest>()?.ExecutionId ?? "";

    /// <summary>Unauthorized for a token that is missing or not signed for this run and gate, Forbidden for an expired one.</summary>
    static DecisionOutcome? TokenProblem(TokenCheck token) => token.Status switch
    {
        TokenStatus.Invalid => DecisionOutcome.Refused(DecisionResult.Unauthorized,
            "this route needs the token from your approval link, valid for this run and gate (?token=, Authorization: Bearer or X-Approval-Token)",
            new FieldError("token", "missing, malformed or not signed for this run and gate")),
        TokenStatus.Expired => DecisionOutcome.Refused(DecisionResult.Forbidden,
            $"this approval link expired at {token.Expires:u}; use the link from the latest notification", new FieldError("token", "expired")),
        _ => null,
    };

    /// <summary>The gate of that id among those the run shows open (parallel branches can have several open at once).</summary>
    public static OpenGate? OpenGateOf(OrchestrationMetadata run, string gateId) =>
        run.IsActive() ? run.ReadCustomStatusAs<RunStatus>()?.OpenGates().FirstOrDefault(open => open.GateId == gateId) : null;

    /// <summary>The id of the approval step a gate id belongs to ("review-2" is the second opening of step "review").</summary>
    public static string StepIdOf(string gateId) => gateId.LastIndexOf('-') is int dash and > 0 ? gateId[..dash] : gateId;

    /// <summary>The approval step a gate id belongs to, at the top level or inside a parallel branch or map body.</summary>
    public static ApprovalStep? StepOf(OrchestrationMetadata run, string gateId) =>
        gateId.LastIndexOf('-') > 0 ? run.ReadInputAs<WorkflowRunRequest>()?.Definition.FindStepAnywhere(StepIdOf(gateId)) as ApprovalStep : null;

    /// <summary>The level names of the gate's step, by index.</summary>
    public static IReadOnlyList<string> LevelsOf(OrchestrationMetadata run, string gateId) =>
        StepOf(run, gateId)?.Escalation.Select(l => l.Name).ToList() ?? [];

    /// <summary>
    /// A gate not visible yet may still be opening: the run is running, has not closed this one, its definition has
    /// an approval step of that id, and it waits at no other gate (unless the step is in a parallel branch, where
    /// another branch's gate can be open meanwhile).
    /// </summary>
    public static bool MayStillOpen(OrchestrationMetadata run, string gateId)
    {
        if (!run.IsActive() || HasClosed(run, gateId) || run.ReadInputAs<WorkflowRunRequest>()?.Definition is not { } definition
            || StepOf(run, gateId) is null)
        {
            return false;
        }

        bool inBranch = definition.FindStep(StepIdOf(gateId)) is null;
        return inBranch || run.ReadCustomStatusAs<RunStatus>()?.Gate is null;
    }

    /// <summary>Whether the run's published timeline shows this gate already closed (decided or timed out).</summary>
    public static bool HasClosed(OrchestrationMetadata run, string gateId) =>
        run.ReadCustomStatusAs<RunStatus>()?.Timeline?.Any(step => step.Approval?.GateId == gateId) ?? false;
}
