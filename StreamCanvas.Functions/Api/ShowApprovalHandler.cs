using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using StreamCanvas.Approvals;

namespace StreamCanvas.Api;

/// <summary>GET /api/approvals/{instanceId}/{gateId}?token=: what an approver is asked to decide, whole.</summary>
public sealed class ShowApprovalHandler(GateViews views)
{
    public async Task<IResult> ShowAsync(HttpRequest request, string instanceId, string gateId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        (GateView? view, DecisionOutcome? refusal) = await views.ShowAsync(instanceId, gateId, ApprovalTokenCarrier.TokenOf(request), client, cancellationToken);
        return view is null ? DecisionResponses.Problem(request, refusal!) : Results.Ok(PendingApproval.Of(request, view));
    }
}
