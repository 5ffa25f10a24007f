using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Orchestration;

namespace StreamCanvas.Api;

/// <summary>GET /api/approvals/{instanceId}/{gateId}?token=: what an approver is asked to decide, whole.</summary>
public sealed partial class ApprovalsHandler
{
    /// <summary>
    /// The approval link's own view of its gate: the full snapshot (however large), the criteria and the hash to
    /// send back. The token is the credential, as for the decision, so an approver needs no operator key.
    /// </summary>
    public async Task<IResult> ShowAsync(HttpRequest request, string instanceId, string gateId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        (TokenCheck token, OrchestrationMetadata? run, IResult? refused) = await AuthorizeAsync(request, instanceId, gateId, client, cancellationToken);
        if (run is null)
        {
            return refused!;
        }

        if (await store.FindAsync(instanceId, gateId, cancellationToken) is { } recorded)
        {
            return AlreadyDecided(gateId, recorded);
        }

        if (OpenGateOf(run, gateId) is not { } open || run.ReadCustomStatusAs<RunStatus>() is not { } runStatus)
        {
            return run.IsActive()
                ? Problems.NotFound($"run '{instanceId}' has no open approval gate '{gateId}'")
                : Problems.Of(StatusCodes.Status410Gone, "Run finished", $"run '{instanceId}' has finished ({run.RuntimeStatus}); gate '{gateId}' is closed");
        }

        if (token.Level != open.LevelIndex)
        {
            return Forbidden($"the token is for escalation level {token.Level}; gate '{gateId}' is now at level {open.LevelIndex} ({open.Level})", "token", "issued for another level");
        }

        OpenGate gate = await snapshots.WithSnapshotAsync(instanceId, open, cancellationToken);
        return Results.Ok(Pending(request, instanceId, runStatus, gate, clock.GetUtcNow().UtcDateTime));
    }
}
