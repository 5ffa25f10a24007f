using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using StreamCanvas.Api;

namespace StreamCanvas.Hosting.Standalone;

/// <summary>The same routes the Functions triggers declare, mapped onto the same handlers.</summary>
public static class StandaloneRoutes
{
    public static IEndpointRouteBuilder MapStreamCanvasApi(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder api = app.MapGroup("/" + ApiRoutes.Prefix);
        api.MapPost(ApiRoutes.StartRun, (HttpRequest request, string name, DurableTaskClient client, StartRunHandler handler, CancellationToken ct) =>
            handler.HandleAsync(request, name, client, ct));
        api.MapOperatorApi();
        api.MapGet(ApiRoutes.OpenApi, OpenApiDocument.Serve);
        api.MapGet(ApiRoutes.Workflows, (WorkflowsHandler handler) => handler.List());
        api.MapGet(ApiRoutes.SampleCustomer, (string id) => SampleTools.Customer(id));
        api.MapPost(ApiRoutes.SampleArticles, (HttpRequest request, CancellationToken ct) => SampleTools.PublishAsync(request, ct));
        return app;
    }
}
