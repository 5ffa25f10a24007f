using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Mcp;
using StreamCanvas.Activities.Models;
using StreamCanvas.Definitions;
using StreamCanvas.Hosting;
using StreamCanvas.Telemetry;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Telemetry;

/// <summary>
/// The model pipeline's spans and metrics carry the OpenTelemetry GenAI semantic convention names (from
/// Microsoft.Extensions.AI's OpenTelemetry chat client, over the real OpenAI client and a local stub).
/// </summary>
public sealed class GenAITelemetryTests : IAsyncLifetime
{
    readonly TelemetryCapture telemetry = new();
    OpenAIStub stub = null!;

    public async Task InitializeAsync() => stub = await OpenAIStub.StartAsync();

    public async Task DisposeAsync()
    {
        await stub.DisposeAsync();
        telemetry.Dispose();
    }

    IChatClient Pipeline(string provider, string defaultModel, int maxRetries = 0)
    {
        var options = new ModelOptions
        {
            Provider = provider,
            Endpoint = provider == ModelProviders.AzureOpenAI ? stub.AzureEndpoint : stub.BaseUrl,
            ApiKey = "test-key",
            DefaultModel = defaultModel,
            MaxRetries = maxRetries,
            TimeoutSeconds = 10,
        };
        return ModelPipeline.Build(ModelPipeline.Backend(options), options);
    }

    [Fact]
    public async Task ModelCall_Answers_ChatSpanAndHistogramsCarryTheGenAINames()
    {
        stub.Enqueue(OpenAIStub.Reply.Completion("hello", promptTokens: 17, completionTokens: 4, model: "gpt-genai-2024"));
        IChatClient model = Pipeline(ModelProviders.AzureOpenAI, "gpt-genai-default");

        await model.GetResponseAsync(ModelCalls.Messages(null, "Say hello"), ModelCalls.Options(null, 0.2, 50, json: false, schema: null));

        Activity span = Assert.Single(telemetry.Spans("chat gpt-genai-default"));
        Assert.Equal(StreamCanvasTelemetry.GenAIName, span.Source.Name);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("chat", span.GetTagItem(ModelTelemetry.OperationName));
        Assert.Equal("azure.ai.openai", span.GetTagItem(ModelTelemetry.ProviderName));
        Assert.Equal("gpt-genai-default", span.GetTagItem(ModelTelemetry.RequestModel));
        Assert.Equal("gpt-genai-2024", span.GetTagItem(ModelTelemetry.ResponseModel));
        Assert.Equal(17, Convert.ToInt32(span.GetTagItem(ModelTelemetry.InputTokens), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(4, Convert.ToInt32(span.GetTagItem(ModelTelemetry.OutputTokens), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("stop", span.GetTagItem(ModelTelemetry.FinishReasons)!.ToString(), StringComparison.Ordinal);

        (string, string) requested = (ModelTelemetry.RequestModel, "gpt-genai-default");
        Assert.Equal(17, telemetry.HistogramSum(ModelTelemetry.TokenUsageMetric, requested, ("gen_ai.token.type", "input"), (ModelTelemetry.ProviderName, "azure.ai.openai")));
        Assert.Equal(4, telemetry.HistogramSum(ModelTelemetry.TokenUsageMetric, requested, ("gen_ai.token.type", "output"), (ModelTelemetry.OperationName, "chat")));
        Assert.Equal(1, telemetry.Count(ModelTelemetry.OperationDurationMetric, requested, (ModelTelemetry.ProviderName, "azure.ai.openai")));
    }

    [Fact]
    public async Task ModelCall_Fails_SpanIsAnErrorAndTheEngineSeesAClassifiedFailure()
    {
        stub.Enqueue(OpenAIStub.Reply.Error(500, "the model fell over"));
        IChatClient model = Pipeline(ModelProviders.OpenAICompatible, "gpt-genai-failing");

        ModelCallException failure = await Assert.ThrowsAsync<ModelCallException>(() => model.GetResponseAsync(ModelCalls.Messages(null, "x"), new ChatOptions()));

        Assert.Equal(("model-error", 500), (failure.Reason, failure.Status));
        Activity span = Assert.Single(telemetry.Spans("chat gpt-genai-failing"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("openai", span.GetTagItem(ModelTelemetry.ProviderName));
        Assert.NotNull(span.GetTagItem("error.type"));
    }

    [Fact]
    public async Task AgentToolCall_ExecuteToolSpanCarriesTheToolNameAndCallId()
    {
        await using StubHttpServer tool = await StubHttpServer.StartAsync(context => context.Response.WriteAsJsonAsync(new { ok = true }));
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Tools:Connections:crm:BaseUrl"] = tool.BaseUrl,
            ["Workflows:Path"] = RepoPaths.Workflows,
        }).Build();
        using ServiceProvider services = new ServiceCollection().AddLogging().AddStreamCanvas(configuration).BuildServiceProvider();
        ToolStepActivity activity = services.GetRequiredService<ToolStepActivity>();

        StepOutcome outcome = await activity.RunAsync(new ToolStepRequest(new StepIdentity("run-1", "wf", "agent.lookup_customer.1", 1), "crm", "GET", "/customers/7", null, [], 10)
        {
            AgentTool = new AgentToolInvocation("lookup_customer", "call_7"),
        }, CancellationToken.None);

        Assert.True(outcome.Succeeded);
        Activity span = Assert.Single(telemetry.Spans("execute_tool lookup_customer"));
        Assert.Equal("execute_tool", span.GetTagItem(ModelTelemetry.OperationName));
        Assert.Equal("lookup_customer", span.GetTagItem(ModelTelemetry.ToolName));
        Assert.Equal("call_7", span.GetTagItem(ModelTelemetry.ToolCallId));
        Assert.Equal("function", span.GetTagItem(ModelTelemetry.ToolType));
    }

    [Fact]
    public async Task McpToolCall_ToolReportsAnError_ExecuteToolSpanIsAnExtensionCallMarkedFailed()
    {
        await using McpTestServer server = await McpTestServer.StartAsync();
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mcp:Servers:orders:Endpoint"] = server.Endpoint,
            ["Mcp:Servers:orders:ApiKey"] = McpTestServer.ApiKey,
            ["Workflows:Path"] = RepoPaths.Workflows,
        }).Build();
        using ServiceProvider services = new ServiceCollection().AddLogging().AddStreamCanvas(configuration).BuildServiceProvider();
        CallMcpToolActivity activity = services.GetRequiredService<CallMcpToolActivity>();

        StepOutcome outcome = await activity.RunAsync(new McpToolCallRequest(
            new StepIdentity("run-1", "wf", "agent.cancel_order.1", 1), "orders", "cancel_order", "call_mcp_telemetry", new JsonObject { ["orderId"] = "o-9" }), CancellationToken.None);

        Assert.Equal(FailureReasons.ToolError, outcome.Error!.Reason);
        Activity span = Assert.Single(telemetry.AllSpans(), s => Equals(s.GetTagItem(ModelTelemetry.ToolCallId), "call_mcp_telemetry"));
        Assert.Equal("execute_tool cancel_order", span.DisplayName);
        Assert.Equal("execute_tool", span.GetTagItem(ModelTelemetry.OperationName));
        Assert.Equal("extension", span.GetTagItem(ModelTelemetry.ToolType));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(FailureReasons.ToolError, span.GetTagItem("error.type"));
        Assert.DoesNotContain(span.Tags, t => t.Value?.Contains(McpTestServer.ApiKey, StringComparison.Ordinal) == true);
    }

    [Fact]
    public void RecordTokens_OneCall_CountsInputAndOutputByWorkflowStepAndModel()
    {
        var step = new StepIdentity("i-1", "telemetry-tokens", "draft", 1);

        ModelTelemetry.RecordTokens(step, "gpt-x", input: 120, output: 30);

        (string, string)[] tags = [(TelemetryTags.Workflow, "telemetry-tokens"), (TelemetryTags.Step, "draft"), (TelemetryTags.Model, "gpt-x")];
        Assert.Equal(120, telemetry.Sum("streamcanvas.tokens", [.. tags, (TelemetryTags.Direction, "input")]));
        Assert.Equal(30, telemetry.Sum("streamcanvas.tokens", [.. tags, (TelemetryTags.Direction, "output")]));
    }
}
