using System.Diagnostics;
using Microsoft.DurableTask.Client;
using StreamCanvas.Activities;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Storage;
using StreamCanvas.Telemetry;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Telemetry;

/// <summary>
/// The interpreter's spans and metrics on the in-process Durable Task host, whose orchestrator replays after
/// every activity, timer and event: each step, gate and run must still be counted exactly once.
/// </summary>
public sealed class RunTelemetryTests : IClassFixture<RunTelemetryTests.SharedHost>, IDisposable
{
    readonly TelemetryCapture telemetry = new(StreamCanvasTelemetry.DurableTaskSource);
    readonly InterpreterHost host;

    /// <summary>One Durable test host for the class (tests in a class run one at a time): fewer ports to race for.</summary>
    public RunTelemetryTests(SharedHost shared)
    {
        host = shared.Host;
        host.Tool = _ => new StepOutcome { Status = 201, Output = new System.Text.Json.Nodes.JsonObject { ["ok"] = true } };
    }

    public void Dispose() => telemetry.Dispose();

    public sealed class SharedHost : IAsyncLifetime
    {
        public InterpreterHost Host { get; private set; } = null!;

        public async Task InitializeAsync() => Host = await InterpreterHost.StartAsync();

        public async Task DisposeAsync() => await Host.DisposeAsync();
    }

    static LoadedWorkflow ReviewedWorkflow(string name) => TestDefinitions.Load(TestDefinitions.Workflow("""
        [
          { "id": "draft", "kind": "llm", "prompt": "Write about {{input.topic}}" },
          { "id": "review", "kind": "approval", "context": ["steps.draft.output.text"],
            "escalation": [ { "name": "editor", "approvers": ["ed@example.com"], "timeout": "PT60S" } ] },
          { "id": "publish", "kind": "tool", "connection": "cms", "method": "POST", "path": "/articles", "body": { "text": "{{steps.draft.output.text}}" } }
        ]
        """, name: name));

    [Fact]
    public async Task RunAsync_ApprovedRun_CountsRunStepsAndApprovalOnceDespiteReplays()
    {
        const string workflow = "telemetry-approved";
        string id = await host.StartAsync(TestDefinitions.Request(ReviewedWorkflow(workflow)));
        OpenGate gate = (await host.WaitForStatusAsync(id, s => s.Gate is not null)).Gate!;
        await host.Client.RaiseEventAsync(id, ApprovalEvents.ForGate(gate.GateId), new ApprovalDecision
        {
            Decision = Decisions.Approve, Approver = "ed@example.com", SnapshotHash = gate.SnapshotHash, Level = gate.LevelIndex, DecidedAt = DateTime.UtcNow,
        });
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await host.WaitAsync(id)).RuntimeStatus);

        var w = (TelemetryTags.Workflow, workflow);
        Assert.Equal(1, telemetry.Sum("streamcanvas.runs.started", w));
        Assert.Equal(1, telemetry.Sum("streamcanvas.runs.completed", w, (TelemetryTags.Outcome, RunOutcomes.Succeeded)));
        Assert.Equal(1, telemetry.Count("streamcanvas.run.duration", w));
        Assert.Equal(3, telemetry.Count("streamcanvas.step.duration", w));
        Assert.Equal(1, telemetry.Count("streamcanvas.approval.latency", w, (TelemetryTags.Level, "editor"), (TelemetryTags.Outcome, Decisions.Approve)));
        Assert.Equal(0, telemetry.Sum("streamcanvas.failures", w));

        Activity span = Assert.Single(telemetry.Spans(RunTelemetry.ApprovalSpanName), s => Equals(s.GetTagItem(TelemetryTags.Workflow), workflow));
        Assert.Equal("editor", span.GetTagItem(TelemetryTags.Level));
        Assert.Equal(Decisions.Approve, span.GetTagItem(TelemetryTags.Outcome));
        Assert.Equal(gate.OpenedAt, span.StartTimeUtc, TimeSpan.FromMilliseconds(1));
        Assert.True(span.Duration > TimeSpan.Zero);
        Activity orchestration = await telemetry.WaitForSpanAsync(s => s.DisplayName == "orchestration:" + nameof(WorkflowOrchestrator) && Equals(s.GetTagItem(TelemetryTags.InstanceId), id));
        Assert.Equal((orchestration.TraceId, orchestration.SpanId), (span.TraceId, span.ParentSpanId));
    }

    [Fact]
    public async Task RunAsync_ToolFails_CountsOneFailureByStepAndReasonClass()
    {
        const string workflow = "telemetry-tool-fails";
        host.Tool = _ => StepOutcome.Failure(FailureReasons.ToolError, "503 from the CMS", retryable: false);
        LoadedWorkflow definition = TestDefinitions.Load(TestDefinitions.Workflow("""
            [
              { "id": "draft", "kind": "llm", "prompt": "Write about {{input.topic}}" },
              { "id": "publish", "kind": "tool", "connection": "cms", "method": "POST", "path": "/articles" }
            ]
            """, name: workflow));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, (await host.RunToCompletionAsync(TestDefinitions.Request(definition))).RuntimeStatus);

        var w = (TelemetryTags.Workflow, workflow);
        Assert.Equal(1, telemetry.Sum("streamcanvas.failures", w, (TelemetryTags.Step, "publish"), (TelemetryTags.ReasonClass, FailureClasses.ToolError)));
        Assert.Equal(1, telemetry.Sum("streamcanvas.runs.failed", w, (TelemetryTags.ReasonClass, FailureClasses.ToolError)));
        Assert.Equal(0, telemetry.Sum("streamcanvas.runs.completed", w));
        Assert.Equal(2, telemetry.Count("streamcanvas.step.duration", w));
    }

    [Fact]
    public async Task RunAsync_DefinitionOfDoneNotMet_CountsCriteriaNotMet()
    {
        const string workflow = "telemetry-criteria";
        LoadedWorkflow definition = TestDefinitions.Load(TestDefinitions.Workflow(
            """[{ "id": "draft", "kind": "llm", "prompt": "Write about {{input.topic}}" }]""",
            """[{ "name": "scored", "condition": { "path": "input.score", "atLeast": 4 } }]""", name: workflow));

        await host.RunToCompletionAsync(TestDefinitions.Request(definition));

        var w = (TelemetryTags.Workflow, workflow);
        Assert.Equal(1, telemetry.Sum("streamcanvas.runs.completed", w, (TelemetryTags.Outcome, RunOutcomes.FailedCriteria)));
        Assert.Equal(1, telemetry.Sum("streamcanvas.failures", w, (TelemetryTags.ReasonClass, FailureClasses.CriteriaNotMet)));
    }

    [Fact]
    public async Task RunAsync_GateEscalates_CountsTheEscalationBeforeAnyoneDecides()
    {
        const string workflow = "telemetry-escalation";
        LoadedWorkflow definition = TestDefinitions.Load(TestDefinitions.Workflow("""
            [
              { "id": "review", "kind": "approval", "context": ["input.topic"],
                "escalation": [
                  { "name": "editor", "approvers": ["ed@example.com"], "timeout": "PT1S" },
                  { "name": "chief", "approvers": ["chief@example.com"], "timeout": "PT60S" }
                ] }
            ]
            """, name: workflow));
        string id = await host.StartAsync(TestDefinitions.Request(definition));

        OpenGate gate = (await host.WaitForStatusAsync(id, s => s.Gate is { LevelIndex: 1 })).Gate!;
        var w = (TelemetryTags.Workflow, workflow);
        Assert.Equal(1, telemetry.Sum("streamcanvas.approval.escalations", w, (TelemetryTags.Gate, "review"), (TelemetryTags.Level, "chief")));

        await host.Client.RaiseEventAsync(id, ApprovalEvents.ForGate(gate.GateId), new ApprovalDecision
        {
            Decision = Decisions.Approve, Approver = "chief@example.com", SnapshotHash = gate.SnapshotHash, Level = 1, DecidedAt = DateTime.UtcNow,
        });
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await host.WaitAsync(id)).RuntimeStatus);
        Assert.Equal(1, telemetry.Sum("streamcanvas.approval.escalations", w));
        Assert.Equal(1, telemetry.Count("streamcanvas.approval.latency", w, (TelemetryTags.Level, "chief")));
    }

    [Theory]
    [InlineData(TimeoutActions.Approve, OrchestrationRuntimeStatus.Completed)]
    [InlineData(TimeoutActions.Fail, OrchestrationRuntimeStatus.Failed)]
    public async Task RunAsync_LastLevelTimesOut_CountsOneApprovalTimeoutWithTheActionApplied(string onTimeout, OrchestrationRuntimeStatus expected)
    {
        string workflow = "telemetry-timeout-" + onTimeout;
        LoadedWorkflow definition = TestDefinitions.Load(TestDefinitions.Workflow($$"""
            [
              { "id": "review", "kind": "approval", "context": ["input.topic"], "onTimeout": "{{onTimeout}}",
                "escalation": [ { "name": "editor", "approvers": ["ed@example.com"], "timeout": "PT1S" } ] }
            ]
            """, name: workflow));
        string id = await host.StartAsync(TestDefinitions.Request(definition));

        Assert.Equal(expected, (await host.WaitAsync(id)).RuntimeStatus);
        var w = (TelemetryTags.Workflow, workflow);
        Assert.Equal(1, telemetry.Sum(RunMetrics.ApprovalTimeouts.Name, w, (TelemetryTags.Gate, "review"), (TelemetryTags.Level, "editor"), (TelemetryTags.Outcome, onTimeout)));
        Assert.Equal(1, telemetry.Sum(RunMetrics.ApprovalTimeouts.Name, w));
    }

    [Fact]
    public async Task RunAsync_InterpreterThrowsUnexpectedly_CountsTheRunAsFailedAtItsStep()
    {
        const string workflow = "telemetry-unexpected";

        // A gate with no escalation levels never passes the validator; handed to the interpreter anyway, it throws
        // an exception no workflow describes.
        WorkflowRunRequest request = TestDefinitions.Request(ReviewedWorkflow(workflow));
        request = request with
        {
            Definition = request.Definition with
            {
                Steps = request.Definition.Steps.Select(s => s is ApprovalStep gate ? gate with { Escalation = [] } : s).ToList(),
            },
        };

        Assert.Equal(OrchestrationRuntimeStatus.Failed, (await host.RunToCompletionAsync(request)).RuntimeStatus);

        var w = (TelemetryTags.Workflow, workflow);
        Assert.Equal(1, telemetry.Sum("streamcanvas.runs.failed", w, (TelemetryTags.Step, "review"), (TelemetryTags.ReasonClass, FailureClasses.Other)));
        Assert.Equal(1, telemetry.Count("streamcanvas.run.duration", w, (TelemetryTags.Outcome, RunStates.Failed)));
        Assert.Equal(0, telemetry.Sum("streamcanvas.runs.completed", w));
    }

    [Fact]
    public async Task RunAsync_ParallelStep_ReportsEachBranchAsAChildSpanOfTheRunOnce()
    {
        // Both branches fail, so both finish (whichever finishes first, the join of one needs the other's result too).
        const string workflow = "telemetry-parallel";
        host.Tool = _ => StepOutcome.Failure(FailureReasons.ToolError, "500", retryable: false);
        LoadedWorkflow definition = TestDefinitions.Load(TestDefinitions.Workflow("""
            [ { "id": "checks", "kind": "parallel", "join": { "atLeast": 1 }, "branches": [
                { "name": "facts", "steps": [ { "id": "f1", "kind": "tool", "connection": "c", "path": "/facts" } ] },
                { "name": "style", "steps": [ { "id": "s1", "kind": "tool", "connection": "c", "path": "/style" } ] } ] } ]
            """, name: workflow));

        string id = (await host.RunToCompletionAsync(TestDefinitions.Request(definition))).InstanceId;

        var spans = telemetry.Spans(RunTelemetry.BranchSpanName).Where(s => Equals(s.GetTagItem(TelemetryTags.Workflow), workflow)).ToList();
        Assert.Equal(2, spans.Count);
        Assert.Equal(["facts", "style"], spans.Select(s => (string)s.GetTagItem(TelemetryTags.Branch)!).Order());
        Assert.All(spans, s => Assert.Equal((StepStatuses.Failed, ActivityStatusCode.Error), (s.GetTagItem(TelemetryTags.Status), s.Status)));
        Activity orchestration = await telemetry.WaitForSpanAsync(s => s.DisplayName == "orchestration:" + nameof(WorkflowOrchestrator) && Equals(s.GetTagItem(TelemetryTags.InstanceId), id));
        Assert.All(spans, s => Assert.Equal(orchestration.TraceId, s.TraceId));
        Assert.Equal(3, telemetry.Count("streamcanvas.step.duration", (TelemetryTags.Workflow, workflow)));
    }

    /// <summary>split answers <paramref name="count"/> sections; the map's body (a tool) fails for section 1.</summary>
    LoadedWorkflow SplitAndMap(string workflow, int count, string mapOptions)
    {
        host.Tool = request => request.Path == "/split"
            ? new StepOutcome { Status = 200, Output = new System.Text.Json.Nodes.JsonObject { ["sections"] = new System.Text.Json.Nodes.JsonArray(Enumerable.Range(0, count).Select(i => (System.Text.Json.Nodes.JsonNode)$"s{i}").ToArray()) } }
            : request.Path == "/summarize/1"
                ? StepOutcome.Failure(FailureReasons.ToolError, "section 1 is unreadable", retryable: false)
                : new StepOutcome { Status = 200, Output = new System.Text.Json.Nodes.JsonObject { ["ok"] = true } };
        return TestDefinitions.Load(TestDefinitions.Workflow($$$"""
            [ { "id": "split", "kind": "tool", "connection": "c", "path": "/split" },
              { "id": "summaries", "kind": "map", "items": "steps.split.output.sections", "tolerateFailures": 1 {{{mapOptions}}},
                "steps": [ { "id": "summarize", "kind": "tool", "connection": "c", "path": "/summarize/{{index}}" } ] } ]
            """, name: workflow));
    }

    List<Activity> ItemSpans(string workflow) =>
        telemetry.Spans(RunTelemetry.MapItemSpanName).Where(s => Equals(s.GetTagItem(TelemetryTags.Workflow), workflow)).ToList();

    [Fact]
    public async Task RunAsync_MapStep_ReportsEachItemAsAChildSpanOfTheRunOnce_AndItsStepsByStepId()
    {
        const string workflow = "telemetry-map";

        string id = (await host.RunToCompletionAsync(TestDefinitions.Request(SplitAndMap(workflow, 4, """, "maxConcurrency": 2""")))).InstanceId;

        var spans = ItemSpans(workflow);
        Assert.Equal([0, 1, 2, 3], spans.Select(s => (int)s.GetTagItem(TelemetryTags.MapItem)!).Order());
        Assert.All(spans, s => Assert.Equal("summaries", s.GetTagItem(TelemetryTags.Step)));
        Activity failed = Assert.Single(spans, s => s.Status == ActivityStatusCode.Error);
        Assert.Equal((1, StepStatuses.Failed, FailureReasons.ToolError), ((int)failed.GetTagItem(TelemetryTags.MapItem)!, failed.GetTagItem(TelemetryTags.Status), failed.GetTagItem(TelemetryTags.Reason)));
        Assert.Equal(3, spans.Count(s => Equals(s.GetTagItem(TelemetryTags.Status), StepStatuses.Succeeded)));
        Activity orchestration = await telemetry.WaitForSpanAsync(s => s.DisplayName == "orchestration:" + nameof(WorkflowOrchestrator) && Equals(s.GetTagItem(TelemetryTags.InstanceId), id));
        Assert.All(spans, s => Assert.Equal((orchestration.TraceId, orchestration.SpanId), (s.TraceId, s.ParentSpanId)));

        // The items' own step reports by its id (once per item despite replays), beside split and the map step.
        var w = (TelemetryTags.Workflow, workflow);
        Assert.Equal(4, telemetry.Count("streamcanvas.step.duration", w, (TelemetryTags.Step, "summarize")));
        Assert.Equal(1, telemetry.Sum("streamcanvas.failures", w, (TelemetryTags.Step, "summarize"), (TelemetryTags.ReasonClass, FailureClasses.ToolError)));
        Assert.Equal(1, telemetry.Count("streamcanvas.step.duration", w, (TelemetryTags.Step, "summaries"), (TelemetryTags.Status, StepStatuses.Succeeded)));
        Assert.Equal(6, telemetry.Count("streamcanvas.step.duration", w));
    }

    [Fact]
    public async Task RunAsync_ChunkedMap_ReportsEachItemUnderItsChunkInTheRunsTrace()
    {
        const string workflow = "telemetry-map-chunked";

        string id = (await host.RunToCompletionAsync(TestDefinitions.Request(SplitAndMap(workflow, 5, """, "maxConcurrency": 4, "itemsPerChunk": 2""")))).InstanceId;

        var spans = ItemSpans(workflow);
        Assert.Equal([0, 1, 2, 3, 4], spans.Select(s => (int)s.GetTagItem(TelemetryTags.MapItem)!).Order());
        Activity run = await telemetry.WaitForSpanAsync(s => s.DisplayName == "orchestration:" + nameof(WorkflowOrchestrator) && Equals(s.GetTagItem(TelemetryTags.InstanceId), id));
        foreach (Activity item in spans)
        {
            string chunk = MapChunkOrchestrator.InstanceIdFor(id, "summaries", 1, (int)item.GetTagItem(TelemetryTags.MapItem)! / 2);
            Assert.Equal(chunk, item.GetTagItem(TelemetryTags.InstanceId));
            Activity chunkSpan = await telemetry.WaitForSpanAsync(s => s.SpanId == item.ParentSpanId);
            Assert.Equal(("orchestration:" + nameof(MapChunkOrchestrator), chunk), (chunkSpan.DisplayName, chunkSpan.GetTagItem(TelemetryTags.InstanceId)));
            Assert.Equal(run.TraceId, item.TraceId);
        }

        Assert.Equal(5, telemetry.Count("streamcanvas.step.duration", (TelemetryTags.Workflow, workflow), (TelemetryTags.Step, "summarize")));
    }
}
