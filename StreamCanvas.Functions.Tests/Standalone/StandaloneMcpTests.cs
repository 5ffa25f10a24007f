using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using StreamCanvas.Hosting;
using StreamCanvas.Standalone;

namespace StreamCanvas.Tests.Standalone;

/// <summary>The MCP endpoint's mapping: every endpoint it adds is under /api/mcp and checks the operator key.</summary>
public sealed class StandaloneMcpTests
{
    [Fact]
    public void MapStreamCanvasMcp_EveryEndpoint_IsKeyed_AndPostIsServed()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [StreamCanvasServices.WorkflowsPathSetting] = RepoPaths.Workflows });
        builder.Services.AddStreamCanvas(builder.Configuration);
        builder.Services.AddStreamCanvasMcp();
        builder.Services.AddSingleton(new Mock<DurableTaskClient>("test").Object);
        WebApplication app = builder.Build();

        app.MapStreamCanvasMcp();

        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>().ToList();
        Assert.NotEmpty(endpoints);
        Assert.All(endpoints, endpoint =>
        {
            Assert.StartsWith("/api/mcp", endpoint.RoutePattern.RawText, StringComparison.Ordinal);
            Assert.NotNull(endpoint.Metadata.GetMetadata<RequiresOperatorKey>());
        });
        Assert.Contains(endpoints, endpoint => endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains("POST") == true);
    }
}
