using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Activities.Tools;
using StreamCanvas.Api.Readiness;
using StreamCanvas.Definitions;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Api;

/// <summary>The readiness routes' handler: connections with a health path are probed, unknown workflows are 404.</summary>
public sealed class ReadinessHandlerTests
{
    static readonly WorkflowCatalog Samples = DefinitionLoader.LoadDirectory(RepoPaths.Workflows);

    static ReadinessHandler Handler(string customerDirectoryUrl, string? healthPath)
    {
        var tools = new ToolOptions();
        tools.Connections["customerDirectory"] = new ToolConnection { BaseUrl = customerDirectoryUrl, HealthPath = healthPath };
        tools.Connections["cms"] = new ToolConnection { BaseUrl = "http://127.0.0.1:9/api/samples" };
        tools.Connections["billing"] = new ToolConnection { BaseUrl = "http://127.0.0.1:9/api/samples" };
        var approvals = new ApprovalOptions();
        approvals.Webhooks["support-eng-alerts"] = "http://127.0.0.1:9/alerts";
        IServiceProvider services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        var probe = new ConnectionHealthProbe(services.GetRequiredService<IHttpClientFactory>(), Options.Create(tools));
        return new ReadinessHandler(Samples, Options.Create(tools), Options.Create(new StreamCanvas.Activities.Mcp.McpOptions()), Options.Create(approvals), Options.Create(new StartQueueOptions()), probe);
    }

    static async Task<JsonNode> TraitAsync(ReadinessHandler handler, string trait)
    {
        var (status, _, body) = await ResultExecutor.ExecuteAsync(await handler.GetAsync("support-triage", CancellationToken.None), ResultExecutor.NewContext("GET"));
        Assert.Equal(200, status);
        return body!["traits"]!.AsArray().Single(t => t!["trait"]!.GetValue<string>() == trait)!;
    }

    [Fact]
    public async Task Get_HealthPathAnswers_ProbesItAndPasses()
    {
        var probed = new List<string>();
        await using var directory = await StubHttpServer.StartAsync(context =>
        {
            probed.Add(context.Request.Path);
            return Task.CompletedTask;
        });

        JsonNode tools = await TraitAsync(Handler(directory.BaseUrl + "/api", "/health"), "toolAccess");

        Assert.Equal("pass", tools["outcome"]!.GetValue<string>());
        Assert.Contains("200", tools["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["/api/health"], probed);
    }

    [Fact]
    public async Task Get_HealthPathFails_FailsToolAccessWithTheStatus()
    {
        await using var directory = await StubHttpServer.StartAsync(context =>
        {
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });

        JsonNode tools = await TraitAsync(Handler(directory.BaseUrl, "health"), "toolAccess");

        Assert.Equal("fail", tools["outcome"]!.GetValue<string>());
        Assert.Contains("503", tools["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("/steps/0/connection", tools["pointer"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_EveryWorkflow_WithTheWorstOutcome()
    {
        var (status, _, body) = await ResultExecutor.ExecuteAsync(await Handler("http://127.0.0.1:9", null).ListAsync(CancellationToken.None), ResultExecutor.NewContext("GET"));

        Assert.Equal(200, status);
        Assert.Equal(["content-publishing", "daily-digest", "document-summary", "research-report", "support-agent", "support-triage"], body!["workflows"]!.AsArray().Select(w => w!["workflow"]!.GetValue<string>()));

        // Only the support workflows' channel is configured here, so the others fail ownership.
        Assert.Equal("fail", body["outcome"]!.GetValue<string>());
        Assert.Equal("pass", body["workflows"]![4]!["outcome"]!.GetValue<string>());
        Assert.Equal("pass", body["workflows"]![5]!["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_UnknownWorkflow_IsAProblem404()
    {
        var (status, headers, body) = await ResultExecutor.ExecuteAsync(await Handler("http://127.0.0.1:9", null).GetAsync("nope", CancellationToken.None), ResultExecutor.NewContext("GET"));

        Assert.Equal(404, status);
        Assert.StartsWith("application/problem+json", headers.ContentType.ToString(), StringComparison.Ordinal);
        Assert.Contains("nope", body!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
