using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using StreamCanvas.Approvals;

namespace StreamCanvas.Api;

/// <summary>
/// GET /api/approvals/{instanceId}/{gateId}?token=: what an approver is asked to decide, whole: the approval page
/// for a browser (Accept: text/html), JSON otherwise. Without a token, under the Functions host with App Service
/// Authentication, the signed-in principal sees a gate it may decide.
/// </summary>
public sealed class ShowApprovalHandler(GateViews views)
{
    /// <summary>A gate shown to a link's token alone (the standalone host has no other identity source).</summary>
    public Task<IResult> ShowAsync(HttpRequest request, string instanceId, string gateId, DurableTaskClient client, CancellationToken cancellationToken) =>
        ShowAsync(request, instanceId, gateId, principal: null, client, cancellationToken);

    /// <param name="principal">The platform's authenticated principal, established by the Functions host's adapter.</param>
    public async Task<IResult> ShowAsync(
        HttpRequest request, string instanceId, string gateId, AuthenticatedPrincipal? principal, DurableTaskClient client, CancellationToken cancellationToken)
    {
        string? token = ApprovalTokenCarrier.TokenOf(request);
        (GateView? view, DecisionOutcome? refusal) = await views.ShowAsync(instanceId, gateId, token, principal, client, cancellationToken);
        if (ApprovalPage.WantsHtml(request))
        {
            return view is null ? ApprovalPage.Result(refusal!) : ApprovalPage.Gate(view, token);
        }

        return view is null ? DecisionResponses.Problem(request, refusal!) : Results.Ok(PendingApproval.Of(request, view));
    }
}
