using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using StreamCanvas.Functions;
using StreamCanvas.Hosting;
using StreamCanvas.Standalone;

namespace StreamCanvas.Tests.Functions;

/// <summary>
/// The build's functions.metadata is what the Functions host loads: every function must be there with its
/// binding, and the HTTP triggers must match the standalone routes one for one.
/// </summary>
public sealed class FunctionsMetadataTests
{
    static readonly JsonArray Metadata = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.AppOutput, "functions.metadata")))!.AsArray();

    static JsonObject Function(string name) =>
        Metadata.Select(f => f!.AsObject()).SingleOrDefault(f => f["name"]!.GetValue<string>() == name)
        ?? throw new Xunit.Sdk.XunitException($"functions.metadata has no function '{name}'");

    static JsonObject Trigger(JsonObject function) =>
        function["bindings"]!.AsArray().Select(b => b!.AsObject()).Single(b => b["type"]!.GetValue<string>().EndsWith("Trigger", StringComparison.Ordinal));

    [Fact]
    public void Metadata_DurableFunctions_HaveTheirTriggers()
    {
        foreach (Type orchestrator in DurableTasks.Orchestrators)
        {
            Assert.Equal("orchestrationTrigger", Trigger(Function(orchestrator.Name))["type"]!.GetValue<string>());
        }

        foreach (DurableActivity activity in DurableTasks.Activities)
        {
            Assert.Equal("activityTrigger", Trigger(Function(activity.Name))["type"]!.GetValue<string>());
        }
    }

    /// <summary>The triggers are generated from attributes, so they are checked against the one list every other host registers from.</summary>
    [Fact]
    public void DurableFunctions_DeclareExactlyTheDurableTaskList()
    {
        var declared = typeof(WorkflowDurableFunctions).GetMethods()
            .Select(m => (Function: m.GetCustomAttribute<FunctionAttribute>()?.Name, Parameters: m.GetParameters(), Returns: m.ReturnType))
            .Where(m => m.Function is not null)
            .ToList();

        var activities = declared
            .Select(m => (m.Function, Input: m.Parameters.SingleOrDefault(p => p.GetCustomAttribute<ActivityTriggerAttribute>() is not null)?.ParameterType, m.Returns))
            .Where(m => m.Input is not null)
            .Select(m => $"{m.Function}({m.Input!.Name}) -> {m.Returns.GenericTypeArguments.Single().Name}")
            .Order();
        var orchestrators = declared
            .Where(m => m.Parameters.Any(p => p.GetCustomAttribute<OrchestrationTriggerAttribute>() is not null))
            .Select(m => m.Function!)
            .Order();

        Assert.Equal(DurableTasks.Activities.Select(a => $"{a.Name}({a.Input.Name}) -> {a.Output.Name}").Order(), activities);
        Assert.Equal(DurableTasks.Orchestrators.Select(o => o.Name).Order(), orchestrators);
        Assert.Equal(declared.Count, DurableTasks.Activities.Count + DurableTasks.Orchestrators.Count);
    }

    [Theory]
    [InlineData("StartRun", "workflows/{name}/runs", "post", "Function")]
    [InlineData("GetRun", "runs/{id}", "get", "Function")]
    [InlineData("GetRunHistory", "runs/{id}/history", "get", "Function")]
    [InlineData("TerminateRun", "runs/{id}/terminate", "post", "Function")]
    [InlineData("ListWorkflows", "workflows", "get", "Function")]
    [InlineData("ListWorkflowReadiness", "workflows/readiness", "get", "Function")]
    [InlineData("GetWorkflowReadiness", "workflows/{name}/readiness", "get", "Function")]
    [InlineData("SampleAlerts", "samples/alerts", "post", "Anonymous")]
    [InlineData("ListSchedules", "schedules", "get", "Function")]
    [InlineData("PauseSchedule", "schedules/{workflow}/pause", "post", "Function")]
    [InlineData("ResumeSchedule", "schedules/{workflow}/resume", "post", "Function")]
    public void Metadata_HttpTrigger_HasRouteMethodAndAuthLevel(string name, string route, string method, string authLevel)
    {
        JsonObject trigger = Trigger(Function(name));

        Assert.Equal("httpTrigger", trigger["type"]!.GetValue<string>());
        Assert.Equal(route, trigger["route"]!.GetValue<string>());
        Assert.Equal([method], trigger["methods"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(authLevel, trigger["authLevel"]!.GetValue<string>());
    }

    [Fact]
    public void Metadata_ScheduleTimer_TicksEveryMinuteWithADurableClient()
    {
        JsonObject function = Function(nameof(ScheduleFunctions.StartDueSchedules));
        JsonObject trigger = Trigger(function);

        Assert.Equal(("timerTrigger", ScheduleFunctions.EveryMinute), (trigger["type"]!.GetValue<string>(), trigger["schedule"]!.GetValue<string>()));
        Assert.Contains(function["bindings"]!.AsArray(), b => b!["type"]!.GetValue<string>() == "durableClient");
    }

    [Fact]
    public void Metadata_HttpTriggersWithAClient_BindTheDurableClient()
    {
        foreach (string name in new[] { "StartRun", "GetRun", "GetRunHistory", "TerminateRun" })
        {
            Assert.Contains(Function(name)["bindings"]!.AsArray(), b => b!["type"]!.GetValue<string>() == "durableClient");
        }
    }

    [Fact]
    public void Metadata_HttpTriggers_MatchTheStandaloneRoutesAndTheirKeysOneForOne()
    {
        var functionRoutes = Metadata
            .Select(f => Trigger(f!.AsObject()))
            .Where(t => t["type"]!.GetValue<string>() == "httpTrigger")
            .SelectMany(t => t["methods"]!.AsArray().Select(m =>
                $"{m!.GetValue<string>().ToUpperInvariant()} /api/{t["route"]!.GetValue<string>()} {(t["authLevel"]!.GetValue<string>() == "Anonymous" ? "anonymous" : "keyed")}"))
            .Order()
            .ToList();

        Assert.Equal(functionRoutes, StandaloneRoutes().Order().ToList());
    }

    static IEnumerable<string> StandaloneRoutes()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [StreamCanvasServices.WorkflowsPathSetting] = RepoPaths.Workflows });
        builder.Services.AddStreamCanvas(builder.Configuration);
        builder.Services.AddSingleton(new Mock<DurableTaskClient>("test").Object);
        WebApplication app = builder.Build();
        app.MapStreamCanvasApi();
        return ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .SelectMany(endpoint => endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods
                .Select(method => $"{method} {endpoint.RoutePattern.RawText} {(endpoint.Metadata.GetMetadata<RequiresOperatorKey>() is null ? "anonymous" : "keyed")}"));
    }
}
