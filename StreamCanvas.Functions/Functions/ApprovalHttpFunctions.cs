using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using StreamCanvas.Api;

namespace StreamCanvas.Functions;

/// <summary>Approval routes under the Functions host, each handed to its handler.</summary>
public sealed class ApprovalHttpFunctions(DecideApprovalHandler decide, ShowApprovalHandler show, ListApprovalsHandler list)
{
    /// <summary>Anonymous at the host: the signed decision token is the credential, so links never carry a function key.</summary>
    [Function(nameof(DecideApproval))]
    public Task<IResult> DecideApproval(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.ApprovalDecision)] HttpRequest request,
        string instanceId,
        string gateId,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        decide.DecideAsync(request, instanceId, gateId, client, context.CancellationToken);

    /// <summary>Anonymous for the same reason: the approval link shows its gate with the token alone.</summary>
    [Function(nameof(ShowApproval))]
    public Task<IResult> ShowApproval(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.ApprovalDecision)] HttpRequest request,
        string instanceId,
        string gateId,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        show.ShowAsync(request, instanceId, gateId, client, context.CancellationToken);

    [Function(nameof(ListApprovals))]
    public Task<IResult> ListApprovals(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Approvals)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        list.ListAsync(request, client, context.CancellationToken);
}
