using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Hosting;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Orchestration;
using StreamCanvas.Storage;

namespace StreamCanvas.Approvals;

/// <summary>An open gate as approvers see it: the run's status and the gate with its whole snapshot.</summary>
public sealed record GateView(string InstanceId, RunStatus Status, OpenGate Gate, DateTime Now)
{
    /// <summary>Only in Development: a decision token for the gate's level, so the local dashboard can decide.</summary>
    public string? DecisionToken { get; init; }
}

/// <summary>Reads open gates: one through its approval link, or all of them for the pending list.</summary>
public sealed class GateViews(ApprovalTokens tokens, ApprovalDecisionStore store, ApprovalSnapshotStore snapshots, TimeProvider clock, IHostEnvironment? environment = null)
{
    /// <summary>
    /// The approval link's own view of its gate: the full snapshot (however large), the criteria and the hash to
    /// send back. The token is the credential, as for the decision, so an approver needs no operator key.
    /// </summary>
    public async Task<(GateView? View, DecisionOutcome? Refusal)> ShowAsync(string instanceId, string gateId, string? token, DurableTaskClient client, CancellationToken cancellationToken)
    {
        (TokenCheck check, OrchestrationMetadata? run, DecisionOutcome? refused) = await GateRuns.AuthorizeAsync(tokens, token, instanceId, gateId, client, cancellationToken);
        if (run is null)
        {
            return (null, refused);
        }

        if (await store.FindAsync(instanceId, gateId, cancellationToken) is { } recorded)
        {
            return (null, DecisionOutcome.AlreadyDecided(gateId, recorded));
        }

        if (GateRuns.OpenGateOf(run, gateId) is not { } open || run.ReadCustomStatusAs<RunStatus>() is not { } runStatus)
        {
            return (null, run.IsActive()
                ? DecisionOutcome.Refused(DecisionResult.NotFound, $"run '{instanceId}' has no open approval gate '{gateId}'")
                : DecisionOutcome.Refused(DecisionResult.Finished, $"run '{instanceId}' has finished ({run.RuntimeStatus}); gate '{gateId}' is closed"));
        }

        if (check.Level != open.LevelIndex)
        {
            return (null, DecisionOutcome.Refused(DecisionResult.Forbidden,
                $"the token is for escalation level {check.Level}; gate '{gateId}' is now at level {open.LevelIndex} ({open.Level})",
                new Definitions.FieldError("token", "issued for another level")));
        }

        OpenGate gate = await snapshots.WithSnapshotAsync(instanceId, open, cancellationToken);
        return (new GateView(instanceId, runStatus, gate, clock.GetUtcNow().UtcDateTime), null);
    }

    /// <summary>Every open gate across runs, soonest deadline first.</summary>
    public async Task<IReadOnlyList<GateView>> PendingAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        DateTime now = clock.GetUtcNow().UtcDateTime;
        var pending = new List<GateView>();
        // The gate lives in the custom status, which the client only reads along with inputs and outputs.
        var query = new OrchestrationQuery { Statuses = [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending], FetchInputsAndOutputs = true };
        await foreach (OrchestrationMetadata run in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            if (run.ReadCustomStatusAs<RunStatus>() is { State: RunStates.WaitingForApproval, Gate: { } open } runStatus)
            {
                OpenGate gate = await snapshots.WithSnapshotAsync(run.InstanceId, open, cancellationToken);
                pending.Add(new GateView(run.InstanceId, runStatus, gate, now)
                {
                    // Lets the dashboard approve and reject on a developer's machine through the same signed webhook;
                    // elsewhere the token only ever travels in the notification sent to the level's approvers.
                    DecisionToken = environment?.IsDevelopment() == true ? tokens.Issue(run.InstanceId, gate.GateId, gate.LevelIndex, new DateTimeOffset(DateTime.SpecifyKind(gate.Deadline, DateTimeKind.Utc))) : null,
                });
            }
        }

        return [.. pending.OrderBy(p => p.Gate.Deadline)];
    }
}
