using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using StreamCanvas.Approvals;

namespace StreamCanvas.Api;

/// <summary>
/// GET /api/approvals/{instanceId}/{gateId}?token=: what an approver is asked to decide, whole: the approval page
/// for a browser (Accept: text/html), JSON otherwise.
/// </summary>
public sealed class ShowApprovalHandler(GateViews views)
{
    public async Task<IResult> ShowAsync(HttpRequest request, string instanceId, string gateId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        string? token = ApprovalTokenCarrier.TokenOf(request);
        (GateView? view, DecisionOutcome? refusal) = await views.ShowAsync(instanceId, gateId, token, client, cancellationToken);
        if (ApprovalPage.WantsHtml(request))
        {
            return view is null ? ApprovalPage.Result(refusal!) : ApprovalPage.Gate(view, token!);
        }

        return view is null ? DecisionResponses.Problem(request, refusal!) : Results.Ok(PendingApproval.Of(request, view));
    }
}
