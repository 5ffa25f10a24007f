using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using StreamCanvas.Approvals;
using StreamCanvas.Definitions;

namespace StreamCanvas.Api;

/// <summary>GET /api/approvals?status=pending: every open gate across runs, for approvers and operators.</summary>
public sealed class ListApprovalsHandler(GateViews views)
{
    public const string PendingStatus = "pending";

    public async Task<IResult> ListAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        string status = request.Query["status"].ToString() is { Length: > 0 } given ? given : PendingStatus;
        if (status != PendingStatus)
        {
            return Problems.BadRequest($"status '{status}' is not supported", new FieldError("status", $"only '{PendingStatus}'"));
        }

        return Results.Ok(await PendingAsync(request, client, cancellationToken));
    }

    /// <summary>Every open gate across runs, with links built from <paramref name="request"/>'s host.</summary>
    public async Task<IReadOnlyList<PendingApproval>> PendingAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        IReadOnlyList<GateView> pending = await views.PendingAsync(client, cancellationToken);
        return pending.Select(view => PendingApproval.Of(request, view)).ToList();
    }
}
