using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using StreamCanvas.Api;
using StreamCanvas.Api.Dashboard;
using StreamCanvas.Api.Readiness;

namespace StreamCanvas.Standalone;

/// <summary>The same routes the Functions triggers declare, mapped onto the same handlers.</summary>
public static class StandaloneRoutes
{
    public static IEndpointRouteBuilder MapStreamCanvasApi(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder api = app.MapGroup("/" + ApiRoutes.Prefix);
        api.MapOperatorApi();

        RouteGroupBuilder keyed = api.MapGroup("").RequireOperatorKey();
        keyed.MapPost(ApiRoutes.StartRun, (HttpRequest request, string name, DurableTaskClient client, StartRunHandler handler, CancellationToken ct) =>
            handler.HandleAsync(request, name, client, ct));
        keyed.MapGet(ApiRoutes.Workflows, (WorkflowsHandler handler) => handler.List());
        keyed.MapGet(ApiRoutes.WorkflowGraph, (string name, WorkflowsHandler handler) => handler.Graph(name));
        keyed.MapGet(ApiRoutes.WorkflowVersions, (string name, DurableTaskClient client, WorkflowsHandler handler, CancellationToken ct) =>
            handler.VersionsAsync(name, client, ct));
        keyed.MapGet(ApiRoutes.WorkflowsReadiness, (ReadinessHandler handler, CancellationToken ct) => handler.ListAsync(ct));
        keyed.MapGet(ApiRoutes.WorkflowReadiness, (string name, ReadinessHandler handler, CancellationToken ct) => handler.GetAsync(name, ct));
        keyed.MapGet(ApiRoutes.WorkflowsRecord, (string? window, RecordHandler handler, CancellationToken ct) => handler.ListAsync(window, ct));
        keyed.MapGet(ApiRoutes.WorkflowRecord, (string name, string? window, RecordHandler handler, CancellationToken ct) => handler.GetAsync(name, window, ct));
        keyed.MapGet(ApiRoutes.Approvals, (HttpRequest request, DurableTaskClient client, ListApprovalsHandler handler, CancellationToken ct) =>
            handler.ListAsync(request, client, ct));

        // Anonymous, as under the Functions host: the decision token is the approver's only credential.
        api.MapGet(ApiRoutes.OpenApi, OpenApiDocument.Serve);
        api.MapGet(ApiRoutes.SampleCustomer, (string id) => SampleTools.Customer(id));
        api.MapPost(ApiRoutes.SampleArticles, (HttpRequest request, SampleCms cms, CancellationToken ct) => cms.PublishAsync(request, ct));
        api.MapPost(ApiRoutes.SampleAlerts, (HttpRequest request, CancellationToken ct) => SampleTools.ReceiveAlertAsync(request, ct));
        api.MapPost(ApiRoutes.SampleRefunds, (HttpRequest request, CancellationToken ct) => SampleTools.RefundAsync(request, ct));
        api.MapGet(ApiRoutes.Dashboard, (DashboardHandler dashboard) => dashboard.Page());
        api.MapGet(ApiRoutes.DashboardAsset, (string file, DashboardHandler dashboard, [FromServices] OperatorKey key) => dashboard.Asset(file, key.Value));
        api.MapGet(ApiRoutes.ApprovalDecision, (HttpRequest request, string instanceId, string gateId, DurableTaskClient client, ShowApprovalHandler handler, CancellationToken ct) =>
            handler.ShowAsync(request, instanceId, gateId, client, ct));
        api.MapPost(ApiRoutes.ApprovalDecision, (HttpRequest request, string instanceId, string gateId, DurableTaskClient client, DecideApprovalHandler handler, CancellationToken ct) =>
            handler.DecideAsync(request, instanceId, gateId, client, ct));
        return app;
    }
}
