using System.Diagnostics;
using Microsoft.DurableTask.Client;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Models;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Telemetry;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Telemetry;

/// <summary>
/// One trace per run: the caller's span, Durable Task's create/orchestration/activity spans (through the same
/// gRPC sidecar the standalone host uses) and the model call inside the activity share one trace id.
/// </summary>
public sealed class RunTraceTests : IAsyncLifetime
{
    const string CallerSource = "StreamCanvas.Tests.Caller";
    static readonly ActivitySource Caller = new(CallerSource);
    readonly TelemetryCapture telemetry = new(StreamCanvasTelemetry.DurableTaskSource, CallerSource);
    InterpreterHost host = null!;

    public async Task InitializeAsync() => host = await InterpreterHost.StartAsync();

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        telemetry.Dispose();
    }

    [Fact]
    public async Task Run_StartedInsideACallersSpan_ModelCallAndDurableSpansShareItsTrace()
    {
        var model = new TracedChatModel(new OfflineChatModel(), "streamcanvas.offline", "trace-model");
        host.Llm = request =>
        {
            ChatReply reply = model.CompleteAsync(new ChatCall(null, request.Prompt, null, null, 100, false, null), CancellationToken.None).GetAwaiter().GetResult();
            return new StepOutcome { Output = new System.Text.Json.Nodes.JsonObject { ["text"] = reply.Text }, Model = reply.Model, Tokens = new TokenUsage(reply.PromptTokens, reply.CompletionTokens) };
        };
        LoadedWorkflow definition = TestDefinitions.Load(TestDefinitions.Workflow("""
            [
              { "id": "draft", "kind": "llm", "prompt": "Write about {{input.topic}}" },
              { "id": "polish", "kind": "llm", "prompt": "Polish {{steps.draft.output.text}}" }
            ]
            """, name: "telemetry-trace"));

        string id;
        ActivityTraceId traceId;
        using (Activity caller = Caller.StartActivity("POST /api/workflows/telemetry-trace/runs", ActivityKind.Server)!)
        {
            traceId = caller.TraceId;
            id = await host.StartAsync(TestDefinitions.Request(definition));
        }

        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await host.WaitAsync(id)).RuntimeStatus);
        await telemetry.WaitForSpanAsync(s => s.TraceId == traceId && s.DisplayName == "orchestration:" + nameof(WorkflowOrchestrator));
        IReadOnlyList<Activity> trace = telemetry.AllSpans().Where(s => s.TraceId == traceId).ToList();
        string names = string.Join(", ", trace.Select(s => s.DisplayName));
        Assert.Single(trace, s => s.DisplayName == "create_orchestration:" + nameof(WorkflowOrchestrator));
        Activity orchestration = Assert.Single(trace, s => s.DisplayName == "orchestration:" + nameof(WorkflowOrchestrator));
        var activityRuns = trace.Where(s => s.Kind == ActivityKind.Server && s.DisplayName == "activity:" + nameof(StreamCanvas.Activities.LlmStepActivity)).ToList();
        var modelCalls = trace.Where(s => s.DisplayName == "chat trace-model").ToList();
        Assert.True(activityRuns.Count == 2, names);
        Assert.Equal(2, modelCalls.Count);
        Assert.All(modelCalls, call => Assert.Contains(activityRuns, run => run.SpanId == call.ParentSpanId));
        Assert.All(trace.Where(s => s.Kind == ActivityKind.Client && s.Source.Name == StreamCanvasTelemetry.DurableTaskSource), scheduled => Assert.Equal(orchestration.SpanId, scheduled.ParentSpanId));
    }
}
