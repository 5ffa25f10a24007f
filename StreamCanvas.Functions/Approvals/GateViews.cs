using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Storage;

namespace StreamCanvas.Approvals;

/// <summary>An open gate as approvers see it: the run's status and the gate with its whole snapshot.</summary>
public sealed record GateView(string InstanceId, RunStatus Status, OpenGate Gate, DateTime Now)
{
    /// <summary>The approval step the gate waits at (with several gates open, the run's current step may be another's).</summary>
    public string? StepId => Status.Gates is null ? Status.CurrentStep : GateRuns.StepIdOf(Gate.GateId);

    /// <summary>Who owns the workflow (shown on the approval page).</summary>
    public WorkflowOwner? Owner { get; init; }

    /// <summary>Who the link that shows the gate was issued to.</summary>
    public string? Viewer { get; init; }

    /// <summary>Only in Development: a decision token for the gate's level, so the local dashboard can decide.</summary>
    public string? DecisionToken { get; init; }

    /// <summary>Who <see cref="DecisionToken"/> decides as.</summary>
    public string? DecisionApprover { get; init; }
}

/// <summary>Reads open gates: one through its approval link, or all of them for the pending list.</summary>
public sealed class GateViews(
    ApprovalTokens tokens, ApprovalDecisionStore store, ApprovalSnapshotStore snapshots, TimeProvider clock, IOptions<ApprovalOptions> approvals,
    IHostEnvironment? environment = null)
{
    /// <summary>Who the Development dashboard decides as at a level that has no approvers or group members.</summary>
    public const string DashboardIdentity = "dashboard";

    /// <summary>
    /// The approval link's own view of its gate: the full snapshot (however large), the criteria and the hash to
    /// send back. The token is the credential, as for the decision, so an approver needs no operator key; without a
    /// token, the platform's authenticated principal sees the gates it may decide (the same identity rules).
    /// </summary>
    public async Task<(GateView? View, DecisionOutcome? Refusal)> ShowAsync(
        string instanceId, string gateId, string? token, AuthenticatedPrincipal? principal, DurableTaskClient client, CancellationToken cancellationToken)
    {
        (ApproverIdentity? who, OrchestrationMetadata? run, DecisionOutcome? refused) =
            await GateRuns.AuthorizeAsync(tokens, approvals.Value, token, principal, instanceId, gateId, client, cancellationToken);
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

        if (DecisionRules.Authorize(who!, GateRules.Of(open, approvals.Value, GateRuns.LevelsOf(run, gateId))) is { } notHers)
        {
            return (null, notHers.Result == DecisionResult.Escalated ? notHers with { Deadline = open.Deadline } : notHers);
        }

        OpenGate gate = await snapshots.WithSnapshotAsync(instanceId, open, cancellationToken);
        return (new GateView(instanceId, runStatus, gate, clock.GetUtcNow().UtcDateTime)
        {
            Owner = run.ReadInputAs<WorkflowRunRequest>()?.Definition.Owner,
            Viewer = who!.Approver,
        }, null);
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
            // Approvals in parallel branches can have several gates open on one run (and one branch may be retrying
            // a step meanwhile, so the run's state alone does not say whether a gate is open).
            if (run.ReadCustomStatusAs<RunStatus>() is not { } runStatus)
            {
                continue;
            }

            foreach (OpenGate open in runStatus.OpenGates())
            {
                OpenGate gate = await snapshots.WithSnapshotAsync(run.InstanceId, open, cancellationToken);
                pending.Add(environment?.IsDevelopment() == true
                    ? WithDashboardToken(new GateView(run.InstanceId, runStatus, gate, now), GateRuns.ExecutionIdOf(run))
                    : new GateView(run.InstanceId, runStatus, gate, now));
            }
        }

        return [.. pending.OrderBy(p => p.Gate.Deadline)];
    }

    /// <summary>
    /// Lets the dashboard approve and reject on a developer's machine through the same signed webhook and the same
    /// rules, as the level's first member; elsewhere tokens only ever travel in the notices sent to approvers.
    /// </summary>
    GateView WithDashboardToken(GateView view, string executionId)
    {
        string approver = approvals.Value.MembersOf(view.Gate.Approvers, view.Gate.Group) is [string first, ..] ? first : DashboardIdentity;
        var expires = new DateTimeOffset(DateTime.SpecifyKind(view.Gate.Deadline, DateTimeKind.Utc));
        string token = tokens.Issue(new TokenClaims(view.InstanceId, executionId, view.Gate.GateId, view.Gate.LevelIndex, approver, expires));
        return view with { DecisionToken = token, DecisionApprover = approver };
    }
}
