using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;

namespace StreamCanvas.Tests.Support;

/// <summary>
/// A real MCP server (ModelContextProtocol.AspNetCore, streamable HTTP, stateless) on a loopback port, with three
/// order tools: <c>lookup_order</c> answers, <c>cancel_order</c> reports an error (<c>isError</c>) and
/// <c>archive_order</c> answers a JSON-RPC error. Every request must carry <see cref="ApiKey"/> as a bearer token.
/// </summary>
public sealed class McpTestServer : IAsyncDisposable
{
    public const string ApiKey = "mcp-test-key";

    readonly WebApplication app;

    McpTestServer(WebApplication app) => this.app = app;

    public string Endpoint => app.Urls.Single() + "/mcp";

    /// <summary>The tool calls the server received, in order.</summary>
    public ConcurrentQueue<(string Tool, JsonObject Arguments)> Calls { get; } = new();

    /// <summary>Requests refused for a missing or wrong key.</summary>
    public int Refused => refused;

    int refused;

    public static async Task<McpTestServer> StartAsync()
    {
        McpTestServer? self = null;
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // Port 0: the OS hands out a free port, which nothing else can take in between.
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddMcpServer(server => server.ServerInfo = new Implementation { Name = "orders", Version = "1.0.0" })
            .WithHttpTransport(http => http.SessionMode = HttpServerSessionMode.Stateless)
            .WithListToolsHandler((_, _) => ValueTask.FromResult(new ListToolsResult { Tools = [LookupOrder, CancelOrder, ArchiveOrder] }))
            .WithCallToolHandler((context, _) => ValueTask.FromResult(self!.Call(context.Params!)));
        WebApplication app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (context.Request.Headers.Authorization != $"Bearer {ApiKey}")
            {
                Interlocked.Increment(ref self!.refused);
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            await next(context);
        });
        app.MapMcp("/mcp");
        await app.StartAsync();
        self = new McpTestServer(app);
        return self;
    }

    CallToolResult Call(CallToolRequestParams call)
    {
        JsonObject arguments = call.Arguments is null ? [] : JsonSerializer.SerializeToNode(call.Arguments)!.AsObject();
        Calls.Enqueue((call.Name, arguments));
        string order = arguments["orderId"]?.ToString() ?? "?";
        return call.Name switch
        {
            "lookup_order" => new CallToolResult
            {
                Content = [new TextContentBlock { Text = $"order {order} shipped" }],
                StructuredContent = JsonSerializer.SerializeToElement(new { orderId = order, status = "shipped", carrier = "DHL" }),
            },
            "cancel_order" => new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = $"order {order} has shipped and cannot be cancelled" }] },
            _ => throw new McpProtocolException($"archiving is switched off for order {order}", McpErrorCode.InvalidParams),
        };
    }

    static Tool OrderTool(string name, string description) => new()
    {
        Name = name,
        Description = description,
        InputSchema = JsonSerializer.SerializeToElement(new JsonObject
        {
            ["type"] = "object",
            ["required"] = new JsonArray("orderId"),
            ["properties"] = new JsonObject { ["orderId"] = new JsonObject { ["type"] = "string" } },
        }),
    };

    static readonly Tool LookupOrder = OrderTool("lookup_order", "Find an order and its shipping status.");
    static readonly Tool CancelOrder = OrderTool("cancel_order", "Cancel an order that has not shipped.");
    static readonly Tool ArchiveOrder = OrderTool("archive_order", "Archive an order.");

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
