using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using StreamCanvas.Activities;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Orchestration;

/// <summary>Parallel steps on the in-process Durable Task host: real replay, scripted activities.</summary>
public sealed class ParallelStepTests : IAsyncLifetime
{
    InterpreterHost host = null!;

    public async Task InitializeAsync() => host = await InterpreterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    /// <summary>Tool calls to a path starting with /fail fail for good; others answer { "path": ... }.</summary>
    void ToolsFailOn(string prefix = "/fail") => host.Tool = request => request.Path.StartsWith(prefix, StringComparison.Ordinal)
        ? StepOutcome.Failure(FailureReasons.ToolError, $"{request.Path} answered 500", retryable: false) with { Status = 500 }
        : new StepOutcome { Status = 200, Output = new JsonObject { ["path"] = request.Path } };

    static LoadedWorkflow Parallel(string branches, string join = "\"all\"", string after = """{ "id": "after", "kind": "llm", "prompt": "facts={{steps.checks.output.facts.path}} style={{steps.checks.output.style.path}}" }""", string extra = "") =>
        TestDefinitions.Load(TestDefinitions.Workflow($$"""
            [
              { "id": "checks", "kind": "parallel", "join": {{join}} {{extra}}, "branches": {{branches}} },
              {{after}}
            ]
            """));

    const string TwoToolBranches = """
        [
          { "name": "facts", "steps": [ { "id": "f1", "kind": "tool", "connection": "c", "path": "/facts/1" }, { "id": "f2", "kind": "tool", "connection": "c", "path": "/facts/{{steps.f1.output.path}}" } ] },
          { "name": "style", "steps": [ { "id": "s1", "kind": "tool", "connection": "c", "path": "/style" } ] }
        ]
        """;

    [Fact]
    public async Task RunAsync_JoinAll_RunsBranchesConcurrentlyAndExposesEachBranchOutput()
    {
        ToolsFailOn();

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(Parallel(TwoToolBranches)));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        WorkflowRunResult result = done.ReadOutputAs<WorkflowRunResult>()!;
        Assert.Equal(RunOutcomes.Succeeded, result.Outcome);
        Assert.Equal("facts=/facts/%2Ffacts%2F1 style=/style", Assert.Single(host.LlmCalls).Prompt);
        Assert.Equal(["f1", "f2", "s1", "checks", "after"], result.Steps.Select(s => s.StepId));

        // Both branches' first steps were scheduled in the same episode: one did not wait for the other.
        Assert.Equal(result.Steps.Single(s => s.StepId == "f1").StartedAt, result.Steps.Single(s => s.StepId == "s1").StartedAt);
        StepRecord checks = result.Steps.Single(s => s.StepId == "checks");
        Assert.Equal([("facts", StepStatuses.Succeeded), ("style", StepStatuses.Succeeded)], checks.Branches!.Select(b => (b.Name, b.Status)));
        Assert.Equal((2, 2, 0), (checks.Progress!.Total, checks.Progress.Done, checks.Progress.Failed));
        Assert.Equal("/style", result.Outputs["checks"]!["style"]!["path"]!.GetValue<string>());
        Assert.Equal("/style", result.Outputs["s1"]!["path"]!.GetValue<string>());
    }

    [Fact]
    public async Task RunAsync_JoinAllWithAFailingBranch_FailsTheStepWithTheBranchReason()
    {
        ToolsFailOn();
        const string branches = """
            [
              { "name": "facts", "steps": [ { "id": "f1", "kind": "tool", "connection": "c", "path": "/fail/facts" } ] },
              { "name": "style", "steps": [ { "id": "s1", "kind": "tool", "connection": "c", "path": "/style" } ] }
            ]
            """;

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(Parallel(branches)));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        RunFailure failure = done.ReadCustomStatusAs<RunStatus>()!.Failure!;
        Assert.Equal(("checks", FailureReasons.JoinFailed), (failure.StepId, failure.Reason));
        Assert.Contains("facts: tool-error: step 'f1': /fail/facts answered 500", failure.Message, StringComparison.Ordinal);
        Assert.Empty(host.LlmCalls);
    }

    [Fact]
    public async Task RunAsync_FailedJoinWithOnFailureGoto_ContinuesAtTheFallback()
    {
        ToolsFailOn();
        const string branches = """[ { "name": "facts", "steps": [ { "id": "f1", "kind": "tool", "connection": "c", "path": "/fail/facts" } ] } ]""";
        var workflow = Parallel(branches, extra: """, "onFailure": { "goto": "fallback" }""", after: """
            { "id": "after", "kind": "llm", "prompt": "never", "next": "end" },
            { "id": "fallback", "kind": "llm", "prompt": "checks failed: {{input.topic}}" }
            """);

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(workflow));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("checks failed: durable", Assert.Single(host.LlmCalls).Prompt);
        StepRecord checks = done.ReadOutputAs<WorkflowRunResult>()!.Steps.Single(s => s.StepId == "checks");
        Assert.Equal(("fallback", FailureReasons.JoinFailed), (checks.Next, checks.Error!.Reason));
    }

    [Fact]
    public async Task RunAsync_BranchOnFailureContinueWith_CountsTheBranchAsDoneWithTheFallbackOutput()
    {
        ToolsFailOn();
        const string branches = """
            [
              { "name": "facts", "steps": [ { "id": "f1", "kind": "tool", "connection": "c", "path": "/fail/facts" } ], "onFailure": { "continueWith": { "path": "unchecked" } } },
              { "name": "style", "steps": [ { "id": "s1", "kind": "tool", "connection": "c", "path": "/style" } ] }
            ]
            """;

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(Parallel(branches)));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("facts=unchecked style=/style", Assert.Single(host.LlmCalls).Prompt);
    }

    [Fact]
    public async Task RunAsync_JoinAtLeast_SucceedsWithEnoughBranchesAndLeavesTheFailedOneOut()
    {
        ToolsFailOn();
        const string branches = """
            [
              { "name": "facts", "steps": [ { "id": "f1", "kind": "tool", "connection": "c", "path": "/facts" } ] },
              { "name": "style", "steps": [ { "id": "s1", "kind": "tool", "connection": "c", "path": "/fail/style" } ] },
              { "name": "legal", "steps": [ { "id": "l1", "kind": "tool", "connection": "c", "path": "/legal" } ] }
            ]
            """;

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(Parallel(branches, join: """{ "atLeast": 2 }""")));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        WorkflowRunResult result = done.ReadOutputAs<WorkflowRunResult>()!;
        JsonObject output = result.Outputs["checks"]!.AsObject();
        Assert.True(output.ContainsKey("facts") && output.ContainsKey("legal") && !output.ContainsKey("style"));
        BranchRecord style = result.Steps.Single(s => s.StepId == "checks").Branches!.Single(b => b.Name == "style");
        Assert.Equal((StepStatuses.Failed, FailureReasons.ToolError), (style.Status, style.Error!.Reason));
        Assert.Equal("facts=/facts style=", Assert.Single(host.LlmCalls).Prompt);
    }

    [Fact]
    public async Task RunAsync_JoinAtLeastThatCanNoLongerBeMet_FailsWithoutWaitingForTheRest()
    {
        ToolsFailOn();
        const string branches = """
            [
              { "name": "a", "steps": [ { "id": "a1", "kind": "tool", "connection": "c", "path": "/fail/a" } ] },
              { "name": "b", "steps": [ { "id": "b1", "kind": "tool", "connection": "c", "path": "/fail/b" } ] },
              { "name": "slow", "steps": [ { "id": "gate", "kind": "approval", "context": ["input.topic"], "escalation": [ { "name": "l1", "timeout": "PT1H" } ] } ] }
            ]
            """;

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(Parallel(branches, join: """{ "atLeast": 2 }""", after: """{ "id": "after", "kind": "llm", "prompt": "x" }""")));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        RunFailure failure = done.ReadCustomStatusAs<RunStatus>()!.Failure!;
        Assert.Equal(FailureReasons.JoinFailed, failure.Reason);
        Assert.Contains("2 of 3 branch(es) failed and 2 had to succeed", failure.Message, StringComparison.Ordinal);
        Assert.Null(done.ReadCustomStatusAs<RunStatus>()!.Gate);
    }

    [Fact]
    public async Task RunAsync_JoinAny_FirstBranchWinsAndTheOtherIsCancelledWithItsGateWithdrawn()
    {
        ToolsFailOn();
        const string branches = """
            [
              { "name": "human", "steps": [
                  { "id": "review", "kind": "approval", "context": ["input.topic"], "escalation": [ { "name": "l1", "timeout": "PT1H" } ] },
                  { "id": "h2", "kind": "tool", "connection": "c", "path": "/human" } ] },
              { "name": "robot", "steps": [ { "id": "r1", "kind": "tool", "connection": "c", "path": "/robot" } ] }
            ]
            """;

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(Parallel(branches, join: "\"any\"", after: """{ "id": "after", "kind": "llm", "prompt": "winner {{steps.checks.output.robot.path}}" }""")));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        WorkflowRunResult result = done.ReadOutputAs<WorkflowRunResult>()!;
        Assert.Equal("winner /robot", Assert.Single(host.LlmCalls).Prompt);
        Assert.Equal([("human", StepStatuses.Cancelled), ("robot", StepStatuses.Succeeded)], result.Steps.Single(s => s.StepId == "checks").Branches!.Select(b => (b.Name, b.Status)));
        Assert.DoesNotContain(host.ToolCalls, c => c.Path == "/human");
        Assert.DoesNotContain(result.Steps, s => s.StepId == "review");
        Assert.Null(done.ReadCustomStatusAs<RunStatus>()!.Gate);
    }

    [Fact]
    public async Task RunAsync_ApprovalsInTwoBranches_BothGatesOpenAtOnceAndEachDecisionLandsOnItsOwn()
    {
        ToolsFailOn();
        const string branches = """
            [
              { "name": "legal", "steps": [ { "id": "legalReview", "kind": "approval", "context": ["input.topic"], "criteria": ["Lawful"], "escalation": [ { "name": "counsel", "approvers": ["law@example.com"], "timeout": "PT1H" } ] } ] },
              { "name": "brand", "steps": [ { "id": "brandReview", "kind": "approval", "context": ["input.topic"], "escalation": [ { "name": "marketing", "approvers": ["brand@example.com"], "timeout": "PT1H" } ] } ] }
            ]
            """;
        var workflow = Parallel(branches, after: """{ "id": "after", "kind": "llm", "prompt": "{{steps.checks.output.legal.decidedBy}} and {{steps.checks.output.brand.decidedBy}}" }""");

        string id = await host.StartAsync(TestDefinitions.Request(workflow));
        RunStatus waiting = await host.WaitForStatusAsync(id, s => s.Gates is { Count: 2 });

        Assert.Equal(RunStates.WaitingForApproval, waiting.State);
        Assert.Equal(["brandReview-1", "legalReview-1"], waiting.Gates!.Select(g => g.GateId).Order());
        Assert.All(waiting.Gates!, g => Assert.True(g.SnapshotStored));
        Assert.Equal((2, 0, 2), (waiting.Progress!.Single().Total, waiting.Progress!.Single().Done, waiting.Progress!.Single().Running));
        foreach ((string gateId, string approver) in new[] { ("legalReview-1", "law@example.com"), ("brandReview-1", "brand@example.com") })
        {
            OpenGate gate = waiting.Gates!.Single(g => g.GateId == gateId);
            await host.Client.RaiseEventAsync(id, ApprovalEvents.ForGate(gateId), new ApprovalDecision
            {
                Decision = Decisions.Approve, Approver = approver, SnapshotHash = gate.SnapshotHash, Level = 0, DecidedAt = DateTime.UtcNow,
            });
        }

        OrchestrationMetadata done = await host.WaitAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("law@example.com and brand@example.com", Assert.Single(host.LlmCalls).Prompt);
        Assert.Equal(2, host.StoredSnapshots.Count);
    }
}
