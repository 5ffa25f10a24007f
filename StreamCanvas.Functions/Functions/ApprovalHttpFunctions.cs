using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using StreamCanvas.Api;

namespace StreamCanvas.Functions;

/// <summary>
/// Approval routes under the Functions host, each handed to its handler with the platform's signed-in principal, if
/// App Service Authentication vouches for one (<see cref="AppServicePrincipal"/>).
/// </summary>
public sealed class ApprovalHttpFunctions(DecideApprovalHandler decide, ShowApprovalHandler show, ListApprovalsHandler list, IConfiguration configuration)
{
    readonly AppServicePrincipal principals = new(configuration);

    /// <summary>
    /// Anonymous at the host: the signed decision token is the credential, so links never carry a function key; a
    /// JSON request without a token is decided by the signed-in principal, where App Service Authentication is on.
    /// </summary>
    [Function(nameof(DecideApproval))]
    public Task<IResult> DecideApproval(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.ApprovalDecision)] HttpRequest request,
        string instanceId,
        string gateId,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        decide.DecideAsync(request, instanceId, gateId, principals.Of(request), client, context.CancellationToken);

    /// <summary>Anonymous for the same reason: the approval link shows its gate with the token alone (or to the signed-in principal).</summary>
    [Function(nameof(ShowApproval))]
    public Task<IResult> ShowApproval(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.ApprovalDecision)] HttpRequest request,
        string instanceId,
        string gateId,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        show.ShowAsync(request, instanceId, gateId, principals.Of(request), client, context.CancellationToken);

    [Function(nameof(ListApprovals))]
    public Task<IResult> ListApprovals(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Approvals)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        list.ListAsync(request, client, context.CancellationToken);
}
