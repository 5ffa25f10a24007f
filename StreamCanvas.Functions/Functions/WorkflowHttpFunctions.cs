using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using StreamCanvas.Api;

namespace StreamCanvas.Functions;

/// <summary>HTTP triggers under the Functions host: each reads its trigger and hands the work to an Api handler.</summary>
public sealed class WorkflowHttpFunctions(StartRunHandler startRun, RunsHandler runs, WorkflowsHandler workflows, SampleCms cms)
{
    [Function(nameof(StartRun))]
    public Task<IResult> StartRun(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.StartRun)] HttpRequest request,
        string name,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        startRun.HandleAsync(request, name, client, context.CancellationToken);

    [Function(nameof(GetRun))]
    public Task<IResult> GetRun(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Run)] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        runs.GetAsync(request, id, client, context.CancellationToken);

    [Function(nameof(GetRunHistory))]
    public Task<IResult> GetRunHistory(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.RunHistory)] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        runs.HistoryAsync(request, id, client, context.CancellationToken);

    [Function(nameof(TerminateRun))]
    public Task<IResult> TerminateRun(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.TerminateRun)] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        runs.TerminateAsync(request, id, client, context.CancellationToken);

    [Function(nameof(ListWorkflows))]
    public IResult ListWorkflows(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Workflows)] HttpRequest request) =>
        workflows.List();

    [Function(nameof(GetWorkflowGraph))]
    public IResult GetWorkflowGraph(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.WorkflowGraph)] HttpRequest request,
        string name) =>
        workflows.Graph(name);

    [Function(nameof(ListWorkflowVersions))]
    public Task<IResult> ListWorkflowVersions(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.WorkflowVersions)] HttpRequest request,
        string name,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        workflows.VersionsAsync(name, client, context.CancellationToken);

    [Function(nameof(SampleCustomer))]
    public IResult SampleCustomer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.SampleCustomer)] HttpRequest request,
        string id) =>
        SampleTools.Customer(id);

    [Function(nameof(SampleArticles))]
    public Task<IResult> SampleArticles(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.SampleArticles)] HttpRequest request,
        FunctionContext context) =>
        cms.PublishAsync(request, context.CancellationToken);

    [Function(nameof(SampleAlerts))]
    public Task<IResult> SampleAlerts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.SampleAlerts)] HttpRequest request,
        FunctionContext context) =>
        SampleTools.ReceiveAlertAsync(request, context.CancellationToken);

    [Function(nameof(SampleRefunds))]
    public Task<IResult> SampleRefunds(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.SampleRefunds)] HttpRequest request,
        FunctionContext context) =>
        SampleTools.RefundAsync(request, context.CancellationToken);
}
