using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using StreamCanvas.Api;
using StreamCanvas.Api.Readiness;

namespace StreamCanvas.Functions;

/// <summary>The readiness audit under the Functions host, behind a function key like the other operator reads.</summary>
public sealed class ReadinessHttpFunctions(ReadinessHandler readiness, RecordHandler record)
{
    [Function(nameof(ListWorkflowReadiness))]
    public Task<IResult> ListWorkflowReadiness(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.WorkflowsReadiness)] HttpRequest request,
        FunctionContext context) =>
        readiness.ListAsync(context.CancellationToken);

    [Function(nameof(GetWorkflowReadiness))]
    public Task<IResult> GetWorkflowReadiness(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.WorkflowReadiness)] HttpRequest request,
        string name,
        FunctionContext context) =>
        readiness.GetAsync(name, context.CancellationToken);

    [Function(nameof(ListWorkflowRecords))]
    public Task<IResult> ListWorkflowRecords(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.WorkflowsRecord)] HttpRequest request,
        FunctionContext context) =>
        record.ListAsync(request.Query["window"], context.CancellationToken);

    [Function(nameof(GetWorkflowRecord))]
    public Task<IResult> GetWorkflowRecord(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.WorkflowRecord)] HttpRequest request,
        string name,
        FunctionContext context) =>
        record.GetAsync(name, request.Query["window"], context.CancellationToken);
}
