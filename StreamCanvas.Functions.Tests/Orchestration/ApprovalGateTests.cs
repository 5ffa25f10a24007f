using Microsoft.DurableTask.Client;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Orchestration;

/// <summary>The approval gate on the in-process Durable Task host: real timers (seconds long), real replay.</summary>
public sealed class ApprovalGateTests : IAsyncLifetime
{
    InterpreterHost host = null!;

    public async Task InitializeAsync() => host = await InterpreterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    /// <summary>draft → review (editor, then chief) → publish; the draft prompt carries the reviewer's comment.</summary>
    static LoadedWorkflow Workflow(string editorTimeout = "PT60S", string chiefTimeout = "PT60S", string onTimeout = TimeoutActions.Fail, string editorReminders = "[]") =>
        TestDefinitions.Load(TestDefinitions.Workflow($$$"""
            [
              { "id": "draft", "kind": "llm", "prompt": "Write about {{input.topic}}. {{steps.review.output.comment}}" },
              { "id": "review", "kind": "approval",
                "context": ["input.topic", "steps.draft.output.text"],
                "criteria": ["Accurate", "On brand"],
                "escalation": [
                  { "name": "editor", "approvers": ["ed@example.com"], "timeout": "{{{editorTimeout}}}", "reminders": {{{editorReminders}}} },
                  { "name": "chief", "approvers": ["chief@example.com"], "timeout": "{{{chiefTimeout}}}" }
                ],
                "onTimeout": "{{{onTimeout}}}",
                "requestChanges": { "goto": "draft", "maxRounds": 3 } },
              { "id": "publish", "kind": "tool", "connection": "cms", "method": "POST", "path": "/articles",
                "body": { "text": "{{steps.draft.output.text}}", "approvedBy": "{{steps.review.output.decidedBy}}" } }
            ]
            """));

    static ApprovalDecision Decide(string decision, string approver, OpenGate gate, string? comment = null) => new()
    {
        Decision = decision,
        Approver = approver,
        Comment = comment,
        Criteria = new Dictionary<string, bool> { ["Accurate"] = true, ["On brand"] = decision == Decisions.Approve },
        SnapshotHash = gate.SnapshotHash,
        Level = gate.LevelIndex,
        DecidedAt = DateTime.UtcNow,
    };

    async Task<OpenGate> OpenGateAsync(string id, string gateId, int level = 0) =>
        (await host.WaitForStatusAsync(id, s => s.Gate is { } g && g.GateId == gateId && g.LevelIndex == level)).Gate!;

    /// <summary>Every draft the model writes is <paramref name="draft"/>.</summary>
    void DraftAlways(string draft) =>
        host.Llm = _ => new StepOutcome { Output = new System.Text.Json.Nodes.JsonObject { ["text"] = draft }, Model = "scripted", Tokens = new TokenUsage(10, 500) };

    Task RaiseAsync(string id, OpenGate gate, ApprovalDecision decision) =>
        host.Client.RaiseEventAsync(id, ApprovalEvents.ForGate(gate.GateId), decision);

    [Fact]
    public async Task RunAsync_ApprovedBeforeTimeout_ContinuesOnTheApprovedSnapshot()
    {
        string id = await host.StartAsync(TestDefinitions.Request(Workflow()));
        OpenGate gate = await OpenGateAsync(id, "review-1");

        Assert.Equal("durable", gate.Snapshot!["input.topic"]!.GetValue<string>());
        Assert.Equal(["Accurate", "On brand"], gate.Criteria!);
        Assert.Equal(ApprovalSnapshot.Hash(gate.Snapshot), gate.SnapshotHash);
        await RaiseAsync(id, gate, Decide(Decisions.Approve, "ed@example.com", gate, "ship it"));
        OrchestrationMetadata done = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        WorkflowRunResult result = done.ReadOutputAs<WorkflowRunResult>()!;
        Assert.Equal(["draft", "review", "publish"], result.Steps.Select(s => s.StepId));
        ApprovalRecord approval = result.Steps[1].Approval!;
        Assert.Equal((Decisions.Approve, "ed@example.com", "editor", 0, "ship it"), (approval.Decision, approval.DecidedBy, approval.Level, approval.LevelIndex, approval.Comment));
        Assert.True(approval.Criteria["Accurate"] && approval.Criteria["On brand"]);
        Assert.InRange(approval.LatencySeconds, 0, 60);
        Assert.Equal(gate.SnapshotHash, approval.SnapshotHash);
        Assert.Equal(gate.Snapshot["steps.draft.output.text"]!.GetValue<string>(), Assert.Single(host.ToolCalls).Body!["text"]!.GetValue<string>());
        Assert.Equal("ed@example.com", result.Outputs["review"]!["decidedBy"]!.GetValue<string>());
        Assert.Equal(NoticeKinds.Opened, Assert.Single(host.Notices).Kind);
    }

    [Fact]
    public async Task RunAsync_SnapshotTooLargeForTheStatus_IsStoredBesideTheRunAndTheStatusStaysSmall()
    {
        // A long draft with non-ASCII text, which JSON escaping makes longer still.
        string draft = string.Concat(Enumerable.Repeat("Ünïcode-heavy paragraph of a long article. ", 400));
        DraftAlways(draft);
        string id = await host.StartAsync(TestDefinitions.Request(Workflow()));

        OpenGate gate = await OpenGateAsync(id, "review-1");
        OrchestrationMetadata waiting = (await host.Client.GetInstanceAsync(id, getInputsAndOutputs: true))!;

        Assert.True(gate.SnapshotStored);
        Assert.Null(gate.Snapshot);
        Assert.InRange(waiting.SerializedCustomStatus!.Length, 1, RunStatusBudget.MaxStatusChars);
        System.Text.Json.Nodes.JsonObject stored = host.StoredSnapshots[(id, "review-1")];
        Assert.Equal(draft, stored["steps.draft.output.text"]!.GetValue<string>());
        Assert.Equal(ApprovalSnapshot.Hash(stored), gate.SnapshotHash);

        await RaiseAsync(id, gate, Decide(Decisions.Approve, "ed@example.com", gate));
        OrchestrationMetadata done = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(draft, Assert.Single(host.ToolCalls).Body!["text"]!.GetValue<string>());
        Assert.InRange(done.SerializedCustomStatus!.Length, 1, RunStatusBudget.MaxStatusChars);
    }

    [Fact]
    public async Task RunAsync_RunStartedBeforeRevision2_KeepsItsLargeSnapshotInlineSoItsHistoryReplaysUnchanged()
    {
        string draft = new('d', 4000);
        DraftAlways(draft);
        WorkflowRunRequest legacy = TestDefinitions.Request(Workflow()) with { EngineRevision = null };
        string id = await host.StartAsync(legacy);

        OpenGate gate = await OpenGateAsync(id, "review-1");
        await RaiseAsync(id, gate, Decide(Decisions.Approve, "ed@example.com", gate));

        Assert.False(gate.SnapshotStored);
        Assert.Equal(draft, gate.Snapshot!["steps.draft.output.text"]!.GetValue<string>());
        Assert.Empty(host.StoredSnapshots);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await host.WaitAsync(id)).RuntimeStatus);
    }

    [Fact]
    public async Task RunAsync_SmallSnapshot_TravelsInTheStatusAndNothingIsStored()
    {
        string id = await host.StartAsync(TestDefinitions.Request(Workflow()));

        OpenGate gate = await OpenGateAsync(id, "review-1");

        Assert.False(gate.SnapshotStored);
        Assert.NotNull(gate.Snapshot);
        Assert.Empty(host.StoredSnapshots);
    }

    [Fact]
    public async Task RunAsync_Rejected_FailsWithApprovalRejected()
    {
        string id = await host.StartAsync(TestDefinitions.Request(Workflow()));
        OpenGate gate = await OpenGateAsync(id, "review-1");

        await RaiseAsync(id, gate, Decide(Decisions.Reject, "ed@example.com", gate, "off topic"));
        OrchestrationMetadata done = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        RunFailure failure = done.ReadCustomStatusAs<RunStatus>()!.Failure!;
        Assert.Equal(("review", FailureReasons.ApprovalRejected), (failure.StepId, failure.Reason));
        Assert.Contains("off topic", failure.Message, StringComparison.Ordinal);
        Assert.Empty(host.ToolCalls);
    }

    [Fact]
    public async Task RunAsync_RequestChangesThenApprove_RedraftsWithTheCommentAndContinues()
    {
        string id = await host.StartAsync(TestDefinitions.Request(Workflow()));
        OpenGate first = await OpenGateAsync(id, "review-1");

        await RaiseAsync(id, first, Decide(Decisions.RequestChanges, "ed@example.com", first, "Make it shorter."));
        OpenGate second = await OpenGateAsync(id, "review-2");
        await RaiseAsync(id, second, Decide(Decisions.Approve, "ed@example.com", second));
        OrchestrationMetadata done = await host.WaitAsync(id);

        WorkflowRunResult result = done.ReadOutputAs<WorkflowRunResult>()!;
        Assert.Equal(["draft", "review", "draft", "review", "publish"], result.Steps.Select(s => s.StepId));
        Assert.Equal(("draft", Decisions.RequestChanges), (result.Steps[1].Next, result.Steps[1].Approval!.Decision));
        Assert.Equal(["Write about durable. ", "Write about durable. Make it shorter."], host.LlmCalls.Select(c => c.Prompt));
        Assert.NotEqual(first.SnapshotHash, second.SnapshotHash);
        Assert.Equal("review-2", result.Steps[3].Approval!.GateId);
    }

    [Fact]
    public async Task RunAsync_FirstLevelTimesOut_EscalatesAndIsApprovedAtLevelTwo()
    {
        string id = await host.StartAsync(TestDefinitions.Request(Workflow(editorTimeout: "PT2S", editorReminders: """["PT1S"]""")));
        OpenGate escalated = await OpenGateAsync(id, "review-1", level: 1);

        Assert.Equal("chief", escalated.Level);
        Assert.Equal(["chief@example.com"], escalated.Approvers);
        await RaiseAsync(id, escalated, Decide(Decisions.Approve, "chief@example.com", escalated));
        OrchestrationMetadata done = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        ApprovalRecord approval = done.ReadOutputAs<WorkflowRunResult>()!.Steps[1].Approval!;
        Assert.Equal(("chief", 1, "chief@example.com"), (approval.Level, approval.LevelIndex, approval.DecidedBy));
        Assert.Equal("chief", Assert.Single(approval.Escalations).Level);
        Assert.True(approval.LatencySeconds >= 2);
        Assert.Equal([NoticeKinds.Opened, NoticeKinds.Reminder, NoticeKinds.Escalated], host.Notices.Select(n => n.Kind));
        Assert.Equal([0, 0, 1], host.Notices.Select(n => n.LevelIndex));
    }

    [Fact]
    public async Task RunAsync_DecisionForALevelTheGateHasLeft_IsIgnoredAndTheGateWaitsAtItsLevel()
    {
        string id = await host.StartAsync(TestDefinitions.Request(Workflow(editorTimeout: "PT2S")));
        OpenGate editor = await OpenGateAsync(id, "review-1");
        OpenGate chief = await OpenGateAsync(id, "review-1", level: 1);

        // Made at the editor level, arriving after the escalation: it must not be applied as the chief's.
        await RaiseAsync(id, chief, Decide(Decisions.Approve, "ed@example.com", editor));
        await RaiseAsync(id, chief, Decide(Decisions.Approve, "chief@example.com", chief));
        OrchestrationMetadata done = await host.WaitAsync(id);

        ApprovalRecord approval = done.ReadOutputAs<WorkflowRunResult>()!.Steps[1].Approval!;
        Assert.Equal(("chief@example.com", 1), (approval.DecidedBy, approval.LevelIndex));
        Assert.Contains(approval.Ignored, i => i.StartsWith("ed@example.com: decided for level 0", StringComparison.Ordinal));
        Assert.Equal([0], host.ClosedLevels.Select(l => l.Level));
    }

    [Fact]
    public async Task RunAsync_LevelTimerFiresAfterADecisionClaimedTheLevel_AppliesTheClaimedDecision()
    {
        var claimed = new TaskCompletionSource<ApprovalDecision?>();
        host.CloseGateLevel = _ => claimed.Task.GetAwaiter().GetResult();
        string id = await host.StartAsync(TestDefinitions.Request(Workflow(editorTimeout: "PT2S")));
        OpenGate editor = await OpenGateAsync(id, "review-1");
        // Answered 202 just before the timer fired; its event is still on its way.
        claimed.SetResult(Decide(Decisions.Approve, "ed@example.com", editor));

        OrchestrationMetadata done = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        ApprovalRecord approval = done.ReadOutputAs<WorkflowRunResult>()!.Steps[1].Approval!;
        Assert.Equal(("ed@example.com", "editor", 0), (approval.DecidedBy, approval.Level, approval.LevelIndex));
        Assert.Empty(approval.Escalations);
    }

    [Theory]
    [InlineData(TimeoutActions.Approve, OrchestrationRuntimeStatus.Completed, null)]
    [InlineData(TimeoutActions.Reject, OrchestrationRuntimeStatus.Failed, FailureReasons.ApprovalRejected)]
    [InlineData(TimeoutActions.Fail, OrchestrationRuntimeStatus.Failed, FailureReasons.ApprovalTimeout)]
    public async Task RunAsync_LastLevelTimesOut_AppliesTheOnTimeoutAction(string onTimeout, OrchestrationRuntimeStatus expected, string? reason)
    {
        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(Workflow("PT1S", "PT1S", onTimeout)));

        Assert.Equal(expected, done.RuntimeStatus);
        Assert.Equal(reason, done.ReadCustomStatusAs<RunStatus>()!.Failure?.Reason);
        Assert.Equal([NoticeKinds.Opened, NoticeKinds.Escalated], host.Notices.Select(n => n.Kind));
        if (expected == OrchestrationRuntimeStatus.Completed)
        {
            WorkflowRunResult result = done.ReadOutputAs<WorkflowRunResult>()!;
            Assert.Equal((Decisions.Approve, TimeoutOutcomes.DecidedByTimeout, "chief"), (result.Steps[1].Approval!.Decision, result.Steps[1].Approval!.DecidedBy, result.Steps[1].Approval!.Level));
            Assert.Equal("timeout", Assert.Single(host.ToolCalls).Body!["approvedBy"]!.GetValue<string>());
        }
        else
        {
            Assert.Empty(host.ToolCalls);
        }
    }

    [Fact]
    public async Task RunAsync_DecisionWithAnotherSnapshotHash_IsIgnoredAndTheGateKeepsWaiting()
    {
        string id = await host.StartAsync(TestDefinitions.Request(Workflow()));
        OpenGate gate = await OpenGateAsync(id, "review-1");

        await RaiseAsync(id, gate, Decide(Decisions.Approve, "mallory@example.com", gate) with { SnapshotHash = "0000" });
        await RaiseAsync(id, gate, Decide(Decisions.Reject, "ed@example.com", gate, "no"));
        OrchestrationMetadata done = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        Assert.Contains("ed@example.com", done.ReadCustomStatusAs<RunStatus>()!.Failure!.Message, StringComparison.Ordinal);
        Assert.Empty(host.ToolCalls);
    }

    [Fact]
    public async Task RunAsync_NotificationWebhookDown_GateStaysOpenAndRecordsTheFailedNotice()
    {
        host.Notify = _ => throw new HttpRequestException("chat webhook returned 503");
        string id = await host.StartAsync(TestDefinitions.Request(Workflow()));
        OpenGate gate = await OpenGateAsync(id, "review-1");

        await RaiseAsync(id, gate, Decide(Decisions.Approve, "ed@example.com", gate));
        OrchestrationMetadata done = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        GateNotification notice = Assert.Single(done.ReadOutputAs<WorkflowRunResult>()!.Steps[1].Approval!.Notifications);
        Assert.False(notice.Delivered);
        Assert.Contains("503", notice.Error, StringComparison.Ordinal);
        Assert.Equal(3, host.Notices.Count);
    }
}
