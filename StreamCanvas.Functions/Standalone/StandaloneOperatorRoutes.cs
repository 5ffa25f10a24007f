using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using StreamCanvas.Api;

namespace StreamCanvas.Standalone;

/// <summary>The operator routes, behind the operator key (function keys play that part under the Functions host).</summary>
public static class StandaloneOperatorRoutes
{
    /// <summary>
    /// Routes that need a function key under the Functions host need the operator key here; the marker lets
    /// tests compare the two hosts' auth levels.
    /// </summary>
    public static RouteGroupBuilder RequireOperatorKey(this RouteGroupBuilder group)
    {
        group.WithMetadata(new RequiresOperatorKey());
        group.AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<OperatorKey>().Check(context.HttpContext.Request) ?? await next(context));
        return group;
    }

    public static RouteGroupBuilder MapOperatorApi(this RouteGroupBuilder api)
    {
        RouteGroupBuilder runs = api.MapGroup("").RequireOperatorKey();

        runs.MapGet(ApiRoutes.Runs, (HttpRequest request, DurableTaskClient client, RunsHandler handler, CancellationToken ct) =>
            handler.ListAsync(request, client, ct));
        runs.MapDelete(ApiRoutes.Runs, (HttpRequest request, DurableTaskClient client, RunsHandler handler, CancellationToken ct) =>
            handler.PurgeManyAsync(request, client, ct));
        runs.MapGet(ApiRoutes.Run, (HttpRequest request, string id, DurableTaskClient client, RunsHandler handler, CancellationToken ct) =>
            handler.GetAsync(request, id, client, ct));
        runs.MapDelete(ApiRoutes.Run, (HttpRequest request, string id, DurableTaskClient client, RunsHandler handler, CancellationToken ct) =>
            handler.PurgeAsync(request, id, client, ct));
        runs.MapGet(ApiRoutes.RunHistory, (HttpRequest request, string id, DurableTaskClient client, RunsHandler handler, CancellationToken ct) =>
            handler.HistoryAsync(request, id, client, ct));
        runs.MapPost(ApiRoutes.TerminateRun, (HttpRequest request, string id, DurableTaskClient client, RunsHandler handler, CancellationToken ct) =>
            handler.TerminateAsync(request, id, client, ct));
        runs.MapPost(ApiRoutes.SuspendRun, (HttpRequest request, string id, DurableTaskClient client, RunsHandler handler, CancellationToken ct) =>
            handler.SuspendAsync(request, id, client, ct));
        runs.MapPost(ApiRoutes.ResumeRun, (HttpRequest request, string id, DurableTaskClient client, RunsHandler handler, CancellationToken ct) =>
            handler.ResumeAsync(request, id, client, ct));
        runs.MapPost(ApiRoutes.RestartRun, (HttpRequest request, string id, DurableTaskClient client, RunsHandler handler, CancellationToken ct) =>
            handler.RestartAsync(request, id, client, ct));
        runs.MapPost(ApiRoutes.RunEvent, (HttpRequest request, string id, string name, DurableTaskClient client, RunsHandler handler, CancellationToken ct) =>
            handler.RaiseEventAsync(request, id, name, client, ct));

        runs.MapGet(ApiRoutes.Schedules, (SchedulesHandler handler, CancellationToken ct) => handler.ListAsync(ct));
        runs.MapPost(ApiRoutes.PauseSchedule, (string workflow, SchedulesHandler handler, CancellationToken ct) => handler.PauseAsync(workflow, ct));
        runs.MapPost(ApiRoutes.ResumeSchedule, (string workflow, SchedulesHandler handler, CancellationToken ct) => handler.ResumeAsync(workflow, ct));
        return api;
    }
}

/// <summary>Endpoint metadata: this standalone route checks the operator key (AuthorizationLevel.Function or Admin under Functions).</summary>
public sealed class RequiresOperatorKey;
