using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Orchestration;
using StreamCanvas.Storage;

namespace StreamCanvas.Approvals;

/// <summary>
/// Decides a gate: establishes who decides (the link's token checked against the run, or the platform's
/// authenticated principal), finds the gate, applies <see cref="DecisionRules"/>,
/// claims the gate in table storage (so exactly one decision wins, against each other and against the level's
/// timer) and raises the winner to the run. The only place a decision event is raised: a 202 means the run
/// applies exactly that decision.
/// </summary>
public sealed partial class ApprovalDecider(
    ApprovalTokens tokens, ApprovalDecisionStore store, TimeProvider clock, IOptions<ApprovalDecisionOptions> options,
    IOptions<ApprovalOptions> approvals, ILogger<ApprovalDecider> logger)
{
    /// <param name="token">The link's token; when it is null the decision is the <paramref name="principal"/>'s, if there is one.</param>
    /// <param name="principal">The platform's authenticated principal: only the Functions host's adapter passes one.</param>
    /// <param name="body">The parsed body; <paramref name="rawBody"/> is kept with a refusal as it came.</param>
    public async Task<DecisionOutcome> DecideAsync(
        string instanceId, string gateId, string? token, AuthenticatedPrincipal? principal, JsonNode? body, string? rawBody, DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        // The gate's claim row is read while the run is (both need only the ids), so a decision waits for one
        // round trip here instead of two. Nothing read is used, or told, before the identity is established, and a
        // request that cannot be authorized (no principal, a malformed token) reads nothing.
        Task<ApprovalDecision?> claimed = principal is not null || ApprovalTokens.IsWellFormed(token)
            ? store.FindAsync(instanceId, gateId, cancellationToken)
            : Task.FromResult<ApprovalDecision?>(null);
        (ApproverIdentity? who, OrchestrationMetadata? run, DecisionOutcome? refused) =
            await GateRuns.AuthorizeAsync(tokens, approvals.Value, token, principal, instanceId, gateId, client, cancellationToken);
        if (run is null)
        {
            await Task.WhenAny(claimed);
            return refused!;
        }

        OpenGate? gate = GateRuns.OpenGateOf(run, gateId);
        if (await claimed is { } recorded)
        {
            if (gate is not null)
            {
                // The claim was recorded but the gate is still open: the winner may have crashed before raising
                // its event. Raising the recorded decision again is harmless (one listener per gate opening).
                await RaiseAsync(instanceId, gateId, recorded, client, cancellationToken);
            }

            return DecisionOutcome.AlreadyDecided(gateId, recorded);
        }

        if (gate is null && who!.Source == IdentitySource.Principal)
        {
            // A link proves its gate opened (its notice went out); a principal proves nothing of the kind, so it
            // decides only a gate that is visibly open: no early decision, and no refusal kept on its say-so.
            return run.IsActive()
                ? DecisionOutcome.Refused(DecisionResult.NotFound, $"run '{instanceId}' has no open approval gate '{gateId}'")
                : DecisionOutcome.Refused(DecisionResult.Finished, $"run '{instanceId}' has finished ({run.RuntimeStatus}); gate '{gateId}' is closed");
        }

        if (gate is null && GateRuns.MayStillOpen(run, gateId))
        {
            // The token proves the orchestrator opened this gate, but its status may not be written yet (the
            // notice can go out before the checkpoint that publishes the gate). Give the checkpoint a moment.
            (run, gate) = await WaitForGateAsync(client, instanceId, gateId, run, cancellationToken);
        }

        if (gate is null)
        {
            if (run.RuntimeStatus == OrchestrationRuntimeStatus.Suspended)
            {
                return DecisionOutcome.Suspended(instanceId);
            }

            return GateRuns.MayStillOpen(run, gateId) && GateRuns.StepOf(run, gateId) is { } step
                ? await DecideEarlyAsync(instanceId, gateId, who!, GateRules.Opening(gateId, step, approvals.Value), body, client, cancellationToken)
                : await RefuseClosedAsync(instanceId, gateId, run, rawBody, cancellationToken);
        }

        return await ClaimAndRaiseAsync(instanceId, gateId, who!, GateRules.Of(gate, approvals.Value, GateRuns.LevelsOf(run, gateId)), body, client, cancellationToken);
    }

    /// <summary>
    /// The rules, the claim and the event, the same for every path: of all the decisions that pass the rules,
    /// the first to claim the gate (while its level is still open) is raised; every other is told who won or
    /// where the gate went.
    /// </summary>
    async Task<DecisionOutcome> ClaimAndRaiseAsync(
        string instanceId, string gateId, ApproverIdentity who, GateRules rules, JsonNode? body, DurableTaskClient client, CancellationToken cancellationToken)
    {
        (DecisionRequest? decided, DecisionOutcome? broken) = DecisionRules.Check(who, rules, body);
        if (decided is null)
        {
            return broken!;
        }

        ApprovalDecision decision = DecisionBuilder.Build(decided, rules.LevelIndex, rules.SnapshotHash ?? decided.SnapshotHash, clock.GetUtcNow());
        GateClaim claim = await store.TryClaimAsync(instanceId, gateId, decision, cancellationToken);
        if (claim.Winner is { } winner)
        {
            return DecisionOutcome.AlreadyDecided(gateId, winner);
        }

        if (claim.CurrentLevel is { } level)
        {
            return DecisionOutcome.Escalated(gateId, who.LevelAt(rules), level == ApprovalDecisionStore.TimedOutLevel ? null : rules.LevelName(level));
        }

        await RaiseAsync(instanceId, gateId, decision, client, cancellationToken);
        LogDecided(instanceId, gateId, decision.Decision, decision.Approver, who.Source, rules.LevelName(rules.LevelIndex));
        return new DecisionOutcome(DecisionResult.Accepted, $"{decision.Decision} by {decision.Approver}", decision);
    }

    /// <summary>Hands a decision to the run; every decision event is raised here.</summary>
    static Task RaiseAsync(string instanceId, string gateId, ApprovalDecision decision, DurableTaskClient client, CancellationToken cancellationToken) =>
        client.RaiseEventAsync(instanceId, ApprovalEvents.ForGate(gateId), decision, cancellationToken);

    /// <summary>A signed token means this gate did open once; a decision that can no longer apply is kept, not dropped.</summary>
    async Task<DecisionOutcome> RefuseClosedAsync(string instanceId, string gateId, OrchestrationMetadata run, string? rawBody, CancellationToken cancellationToken)
    {
        string reason = run.IsActive()
            ? $"run '{instanceId}' has no open approval gate '{gateId}' (it closed without this decision)"
            : $"run '{instanceId}' has finished ({run.RuntimeStatus}); gate '{gateId}' will never open again";
        await store.RecordRefusalAsync(instanceId, gateId, reason, rawBody, clock.GetUtcNow(), cancellationToken);
        LogRefused(instanceId, gateId, reason);
        return DecisionOutcome.Refused(run.IsActive() ? DecisionResult.NotFound : DecisionResult.Finished, reason);
    }

    async Task<(OrchestrationMetadata Run, OpenGate? Gate)> WaitForGateAsync(
        DurableTaskClient client, string instanceId, string gateId, OrchestrationMetadata run, CancellationToken cancellationToken)
    {
        ApprovalDecisionOptions wait = options.Value;
        for (TimeSpan waited = TimeSpan.Zero; waited < wait.GateVisibilityWait; waited += wait.GateVisibilityPoll)
        {
            await Task.Delay(wait.GateVisibilityPoll, cancellationToken);
            run = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken) ?? run;
            if (GateRuns.OpenGateOf(run, gateId) is { } gate)
            {
                return (run, gate);
            }

            if (!run.IsActive() || GateRuns.HasClosed(run, gateId))
            {
                break;
            }
        }

        return (run, null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {InstanceId} gate {GateId}: {Decision} by {Approver} (established by {IdentitySource}) at level {Level}")]
    partial void LogDecided(string instanceId, string gateId, string decision, string approver, IdentitySource identitySource, string level);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a decision for run {InstanceId} gate {GateId}: {Reason}")]
    partial void LogRefused(string instanceId, string gateId, string reason);
}
