using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using StreamCanvas.Api;
using StreamCanvas.Api.Mcp;

namespace StreamCanvas.Standalone;

/// <summary>
/// The MCP endpoint (streamable HTTP) at /api/mcp, behind the operator key like the other operator routes. The
/// tools are <see cref="WorkflowTools"/>'; this maps them onto the SDK's list and call handlers. Stateless: every
/// POST is answered on its own, so any host on the task hub can serve any call.
/// </summary>
public static class StandaloneMcp
{
    public const string Route = ApiRoutes.Mcp;

    public static IServiceCollection AddStreamCanvasMcp(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddMcpServer(server =>
            {
                server.ServerInfo = new Implementation { Name = WorkflowTools.ServerName, Version = typeof(WorkflowTools).Assembly.GetName().Version?.ToString() ?? "1.0.0" };
                server.ServerInstructions = WorkflowTools.Instructions;
            })
            .WithHttpTransport(http => http.SessionMode = HttpServerSessionMode.Stateless)
            .WithListToolsHandler((context, _) => ValueTask.FromResult(Tools(context).ListTools()))
            .WithCallToolHandler((context, cancellationToken) =>
            {
                HttpContext http = CurrentHttpContext(context);
                return Tools(context).CallAsync(context.Params!, http.Request, http.RequestServices.GetRequiredService<DurableTaskClient>(), cancellationToken);
            });
        return services;
    }

    /// <summary>POST (and, for clients that ask, GET and DELETE) /api/mcp; 401 without the operator key.</summary>
    public static IEndpointRouteBuilder MapStreamCanvasMcp(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder keyed = app.MapGroup("/" + ApiRoutes.Prefix).MapGroup("").RequireOperatorKey();
        keyed.AddEndpointFilter(LimitBodyAsync);
        keyed.MapMcp(Route);
        return app;
    }

    /// <summary>
    /// A message is at most <see cref="JsonBody.MaxBytes"/>, as every JSON body the API reads: a larger one is a
    /// 413 problem, whether its length is declared or found while the SDK reads it.
    /// </summary>
    static async ValueTask<object?> LimitBodyAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        if (http.Request.ContentLength > JsonBody.MaxBytes)
        {
            return JsonBody.TooLarge();
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = JsonBody.MaxBytes;
        }

        try
        {
            return await next(context);
        }
        catch (BadHttpRequestException error) when (!http.Response.HasStarted)
        {
            return error.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? JsonBody.TooLarge()
                : Problems.BadRequest($"the request could not be read: {error.Message}");
        }
    }

    static WorkflowTools Tools(MessageContext context) => CurrentHttpContext(context).RequestServices.GetRequiredService<WorkflowTools>();

    /// <summary>The POST that carries the call: with streamable HTTP each call is its own request.</summary>
    static HttpContext CurrentHttpContext(MessageContext context) =>
        (context.Services ?? throw new InvalidOperationException("the MCP request has no services")).GetRequiredService<IHttpContextAccessor>().HttpContext
        ?? throw new InvalidOperationException("the MCP request has no HTTP context");
}
