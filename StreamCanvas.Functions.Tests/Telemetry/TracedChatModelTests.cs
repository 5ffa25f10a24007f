using System.Diagnostics;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Models;
using StreamCanvas.Telemetry;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Telemetry;

public sealed class TracedChatModelTests : IDisposable
{
    readonly TelemetryCapture telemetry = new();

    public void Dispose() => telemetry.Dispose();

    [Fact]
    public async Task CompleteAsync_ModelAnswers_SpanCarriesGenAIAttributes()
    {
        var model = new TracedChatModel(new OfflineChatModel(), TracedChatModel.GenAI.SystemOf(ModelProviders.AzureOpenAI), "gpt-traced-default");

        ChatReply reply = await model.CompleteAsync(new ChatCall(null, "Say hello", null, 0.2, 50, false, null), CancellationToken.None);

        Activity span = Assert.Single(telemetry.Spans("chat gpt-traced-default"));
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("az.ai.openai", span.GetTagItem(TracedChatModel.GenAI.System));
        Assert.Equal("gpt-traced-default", span.GetTagItem(TracedChatModel.GenAI.RequestModel));
        Assert.Equal(reply.PromptTokens, span.GetTagItem(TracedChatModel.GenAI.InputTokens));
        Assert.Equal(reply.CompletionTokens, span.GetTagItem(TracedChatModel.GenAI.OutputTokens));
        Assert.Equal(new[] { "stop" }, span.GetTagItem(TracedChatModel.GenAI.FinishReasons));
    }

    [Fact]
    public async Task CompleteAsync_ModelFails_SpanIsAnErrorWithTheReason()
    {
        var model = new TracedChatModel(new FailingModel(), "openai", "gpt-traced-failing");

        await Assert.ThrowsAsync<ModelCallException>(() => model.CompleteAsync(new ChatCall(null, "x", null, null, null, false, null), CancellationToken.None));

        Activity span = Assert.Single(telemetry.Spans("chat gpt-traced-failing"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("model-error", span.GetTagItem("error.type"));
    }

    [Fact]
    public void RecordTokens_OneCall_CountsInputAndOutputByWorkflowStepAndModel()
    {
        var step = new StepIdentity("i-1", "telemetry-tokens", "draft", 1);

        TracedChatModel.RecordTokens(step, "gpt-x", input: 120, output: 30);

        (string, string)[] tags = [(TelemetryTags.Workflow, "telemetry-tokens"), (TelemetryTags.Step, "draft"), (TelemetryTags.Model, "gpt-x")];
        Assert.Equal(120, telemetry.Sum("streamcanvas.tokens", [.. tags, (TelemetryTags.Direction, "input")]));
        Assert.Equal(30, telemetry.Sum("streamcanvas.tokens", [.. tags, (TelemetryTags.Direction, "output")]));
    }

    sealed class FailingModel : IChatModel
    {
        public Task<ChatReply> CompleteAsync(ChatCall call, CancellationToken cancellationToken) =>
            throw new ModelCallException("model-error", "500 from the model", retryable: true, status: 500);
    }
}
