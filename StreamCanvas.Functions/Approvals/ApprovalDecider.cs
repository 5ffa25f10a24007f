using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Orchestration;
using StreamCanvas.Storage;

namespace StreamCanvas.Approvals;

/// <summary>
/// Decides a gate: checks the link's token, finds the gate, applies <see cref="DecisionRules"/>, claims the gate
/// in table storage (so exactly one decision wins) and raises the winner to the run. The only place a decision
/// event is raised.
/// </summary>
public sealed partial class ApprovalDecider(
    ApprovalTokens tokens, ApprovalDecisionStore store, TimeProvider clock, IOptions<ApprovalDecisionOptions> options, ILogger<ApprovalDecider> logger)
{
    /// <param name="body">The parsed body; <paramref name="rawBody"/> is kept with a refusal as it came.</param>
    public async Task<DecisionOutcome> DecideAsync(
        string instanceId, string gateId, string? token, JsonNode? body, string? rawBody, DurableTaskClient client, CancellationToken cancellationToken)
    {
        (TokenCheck check, OrchestrationMetadata? run, DecisionOutcome? refused) = await GateRuns.AuthorizeAsync(tokens, token, instanceId, gateId, client, cancellationToken);
        if (run is null)
        {
            return refused!;
        }

        OpenGate? gate = GateRuns.OpenGateOf(run, gateId);
        if (await store.FindAsync(instanceId, gateId, cancellationToken) is { } recorded)
        {
            if (gate is not null)
            {
                // The claim was recorded but the gate is still open: the winner may have crashed before raising
                // its event. Raising the recorded decision again is harmless (one listener per gate opening).
                await RaiseAsync(instanceId, gateId, recorded, client, cancellationToken);
            }

            return DecisionOutcome.AlreadyDecided(gateId, recorded);
        }

        if (gate is null && GateRuns.MayStillOpen(run, gateId))
        {
            // The token proves the orchestrator opened this gate, but its status may not be written yet (the
            // notice can go out before the checkpoint that publishes the gate). Give the checkpoint a moment.
            (run, gate) = await WaitForGateAsync(client, instanceId, gateId, run, cancellationToken);
        }

        if (gate is null)
        {
            return GateRuns.MayStillOpen(run, gateId)
                ? await KeepEarlyDecisionAsync(instanceId, gateId, check.Level, body, client, cancellationToken)
                : await RefuseClosedAsync(instanceId, gateId, run, rawBody, cancellationToken);
        }

        (DecisionRequest? decided, DecisionOutcome? broken) = DecisionRules.Check(check, gate, body);
        if (decided is null)
        {
            return broken!;
        }

        ApprovalDecision decision = DecisionBuilder.Build(decided, gate.LevelIndex, gate.SnapshotHash, clock.GetUtcNow());
        if (await store.TryClaimAsync(instanceId, gateId, decision, cancellationToken) is { } winner)
        {
            return DecisionOutcome.AlreadyDecided(gateId, winner);
        }

        await RaiseAsync(instanceId, gateId, decision, client, cancellationToken);
        LogDecided(instanceId, gateId, decision.Decision, decision.Approver, gate.Level);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {InstanceId} gate {GateId}: {Decision} by {Approver} at level {Level}")]
    partial void LogDecided(string instanceId, string gateId, string decision, string approver, string level);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a decision for run {InstanceId} gate {GateId}: {Reason}")]
    partial void LogRefused(string instanceId, string gateId, string reason);
}
