using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using StreamCanvas.Api;

namespace StreamCanvas.Functions;

/// <summary>
/// The operator routes under the Functions host. Function keys guard them; purges, which destroy history,
/// need the admin (master) key.
/// </summary>
public sealed class OperatorHttpFunctions(RunsHandler runs)
{
    [Function(nameof(ListRuns))]
    public Task<IResult> ListRuns(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Runs)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        runs.ListAsync(request, client, context.CancellationToken);

    [Function(nameof(PurgeRuns))]
    public Task<IResult> PurgeRuns(
        [HttpTrigger(AuthorizationLevel.Admin, "delete", Route = ApiRoutes.Runs)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        runs.PurgeManyAsync(request, client, context.CancellationToken);

    [Function(nameof(PurgeRun))]
    public Task<IResult> PurgeRun(
        [HttpTrigger(AuthorizationLevel.Admin, "delete", Route = ApiRoutes.Run)] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        runs.PurgeAsync(request, id, client, context.CancellationToken);

    [Function(nameof(SuspendRun))]
    public Task<IResult> SuspendRun(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.SuspendRun)] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        runs.SuspendAsync(request, id, client, context.CancellationToken);

    [Function(nameof(ResumeRun))]
    public Task<IResult> ResumeRun(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.ResumeRun)] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        runs.ResumeAsync(request, id, client, context.CancellationToken);

    [Function(nameof(RestartRun))]
    public Task<IResult> RestartRun(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.RestartRun)] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        runs.RestartAsync(request, id, client, context.CancellationToken);

    [Function(nameof(RaiseRunEvent))]
    public Task<IResult> RaiseRunEvent(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.RunEvent)] HttpRequest request,
        string id,
        string name,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        runs.RaiseEventAsync(request, id, name, client, context.CancellationToken);

    [Function(nameof(GetOpenApi))]
    public IResult GetOpenApi(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.OpenApi)] HttpRequest request) =>
        OpenApiDocument.Serve();
}
