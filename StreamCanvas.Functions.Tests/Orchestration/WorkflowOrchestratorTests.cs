using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using StreamCanvas.Activities;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Orchestration;

public sealed class WorkflowOrchestratorTests : IAsyncLifetime
{
    InterpreterHost host = null!;

    public async Task InitializeAsync() => host = await InterpreterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task RunAsync_ManyStepsThatFailAndMoveOn_StatusStaysWithinTheHostsLimitAndTheOutputKeepsEveryStep()
    {
        // 60 tool steps whose failures (long messages) route on to the next: far more than a status can carry.
        string steps = "[" + string.Join(",", Enumerable.Range(1, 60).Select(i =>
            $$"""{ "id": "s{{i}}", "kind": "tool", "connection": "cms", "method": "GET", "path": "/{{i}}", "onFailure": { "goto": "{{(i < 60 ? $"s{i + 1}" : "end")}}" } }""")) + "]";
        host.Tool = request => StepOutcome.Failure(FailureReasons.ToolError, $"{request.Path}: " + new string('e', 600), retryable: false);

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(TestDefinitions.Load(TestDefinitions.Workflow(steps))));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.InRange(done.SerializedCustomStatus!.Length, 1, RunStatusBudget.MaxStatusChars);
        RunStatus status = done.ReadCustomStatusAs<RunStatus>()!;
        Assert.Equal("s60", status.Timeline![^1].StepId);
        Assert.Equal(60, status.EarlierSteps + status.Timeline.Count);
        Assert.Equal(60, done.ReadOutputAs<WorkflowRunResult>()!.Steps.Count);
    }

    [Fact]
    public async Task RunAsync_LinearSteps_RunsInOrderWithRenderedTemplates()
    {
        var workflow = TestDefinitions.Load(TestDefinitions.Workflow("""
            [
              { "id": "draft", "kind": "llm", "prompt": "Write about {{input.topic}}" },
              { "id": "save", "kind": "tool", "connection": "cms", "method": "POST", "path": "/posts/{{input.topic}}",
                "body": { "text": "{{steps.draft.output.text}}", "meta": "{{steps.draft.output}}" } }
            ]
            """));

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(workflow));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        WorkflowRunResult result = done.ReadOutputAs<WorkflowRunResult>()!;
        Assert.Equal(RunOutcomes.Succeeded, result.Outcome);
        Assert.Equal(["draft", "save"], result.Steps.Select(s => s.StepId));
        Assert.Equal("Write about durable", Assert.Single(host.LlmCalls).Prompt);
        ToolStepRequest save = Assert.Single(host.ToolCalls);
        Assert.Equal("/posts/durable", save.Path);
        Assert.Equal("reply to Write about durable", save.Body!["text"]!.GetValue<string>());
        Assert.Equal("reply to Write about durable", save.Body!["meta"]!["text"]!.GetValue<string>());
        Assert.Equal(15, result.Totals.TotalTokens);
        Assert.Equal(RunStates.Completed, done.ReadCustomStatusAs<RunStatus>()!.State);
    }

    [Theory]
    [InlineData(9, "high")]
    [InlineData(2, "low")]
    public async Task RunAsync_ConditionStep_TakesTheMatchingBranch(int score, string expectedStep)
    {
        var workflow = TestDefinitions.Load(TestDefinitions.Workflow("""
            [
              { "id": "route", "kind": "condition",
                "branches": [ { "when": { "path": "input.score", "atLeast": 5 }, "goto": "high" } ], "else": "low" },
              { "id": "high", "kind": "llm", "prompt": "high", "next": "end" },
              { "id": "low", "kind": "llm", "prompt": "low" }
            ]
            """));

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(workflow, $$"""{ "topic": "t", "score": {{score}} }"""));

        WorkflowRunResult result = done.ReadOutputAs<WorkflowRunResult>()!;
        Assert.Equal(["route", expectedStep], result.Steps.Select(s => s.StepId));
        Assert.Equal(expectedStep, result.Steps[0].Next);
        Assert.Equal(expectedStep, Assert.Single(host.LlmCalls).Prompt);
    }

    [Fact]
    public async Task RunAsync_TransientFailureThenSuccess_RetriesAndRecordsAttempts()
    {
        int calls = 0;
        host.Tool = request => Interlocked.Increment(ref calls) < 3
            ? StepOutcome.Failure(FailureReasons.ToolError, "503 from cms", retryable: true) with { Status = 503 }
            : new StepOutcome { Status = 200, Output = new JsonObject { ["id"] = 7 } };
        var workflow = TestDefinitions.Load(TestDefinitions.Workflow("""
            [ { "id": "save", "kind": "tool", "connection": "cms", "path": "/x",
                "retry": { "maxAttempts": 4, "firstDelaySeconds": 0.1, "backoffCoefficient": 1 } } ]
            """));

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(workflow));

        WorkflowRunResult result = done.ReadOutputAs<WorkflowRunResult>()!;
        Assert.Equal(RunOutcomes.Succeeded, result.Outcome);
        Assert.Equal(3, result.Steps.Single().Attempts);
        Assert.Equal([1, 2, 3], host.ToolCalls.Select(c => c.Step.Attempt));
        Assert.Equal(7, result.Outputs["save"]!["id"]!.GetValue<int>());
    }

    [Fact]
    public async Task RunAsync_RetriesExhausted_FollowsOnFailureRoute()
    {
        host.Tool = _ => StepOutcome.Failure(FailureReasons.ToolError, "503 from directory", retryable: true) with { Status = 503 };
        var workflow = TestDefinitions.Load(TestDefinitions.Workflow("""
            [
              { "id": "lookup", "kind": "tool", "connection": "crm", "path": "/c",
                "retry": { "maxAttempts": 2, "firstDelaySeconds": 0.1 }, "onFailure": { "goto": "fallback" } },
              { "id": "happy", "kind": "llm", "prompt": "never", "next": "end" },
              { "id": "fallback", "kind": "llm", "prompt": "lookup failed: {{steps.lookup.status}}" }
            ]
            """));

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(workflow));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        WorkflowRunResult result = done.ReadOutputAs<WorkflowRunResult>()!;
        Assert.Equal(["lookup", "fallback"], result.Steps.Select(s => s.StepId));
        StepRecord lookup = result.Steps[0];
        Assert.Equal(StepStatuses.Failed, lookup.Status);
        Assert.Equal(2, lookup.Attempts);
        Assert.Equal("fallback", lookup.Next);
        Assert.Equal(FailureReasons.ToolError, lookup.Error!.Reason);
        Assert.Equal("lookup failed: 503", Assert.Single(host.LlmCalls).Prompt);
    }

    [Fact]
    public async Task RunAsync_FailureWithoutRoute_FailsRunWithStepAndReason()
    {
        host.Llm = _ => StepOutcome.Failure(FailureReasons.ModelError, "step 'draft': model returned HTTP 500", retryable: true);
        var workflow = TestDefinitions.Load(TestDefinitions.Workflow("""
            [ { "id": "draft", "kind": "llm", "prompt": "p", "retry": { "maxAttempts": 2, "firstDelaySeconds": 0.1 } },
              { "id": "after", "kind": "llm", "prompt": "never" } ]
            """));

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(workflow));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        Assert.Contains("Step 'draft' failed (model-error)", done.FailureDetails!.ErrorMessage, StringComparison.Ordinal);
        RunStatus status = done.ReadCustomStatusAs<RunStatus>()!;
        Assert.Equal(RunStates.Failed, status.State);
        Assert.Equal(new RunFailure("draft", FailureReasons.ModelError, "step 'draft': model returned HTTP 500"), status.Failure);
        Assert.Equal(2, host.LlmCalls.Count);
    }

    [Fact]
    public async Task RunAsync_OnFailureFailWithReason_UsesTheDeclaredReason()
    {
        host.Tool = _ => StepOutcome.Failure(FailureReasons.ToolError, "400 bad request", retryable: false) with { Status = 400 };
        var workflow = TestDefinitions.Load(TestDefinitions.Workflow("""
            [ { "id": "publish", "kind": "tool", "connection": "cms", "path": "/p",
                "retry": { "maxAttempts": 5, "firstDelaySeconds": 0.1 }, "onFailure": { "fail": "publish-failed" } } ]
            """));

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(workflow));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        RunFailure failure = done.ReadCustomStatusAs<RunStatus>()!.Failure!;
        Assert.Equal("publish", failure.StepId);
        Assert.Equal("publish-failed", failure.Reason);
        Assert.Contains("tool-error: 400 bad request", failure.Message, StringComparison.Ordinal);
        Assert.Single(host.ToolCalls); // not retryable: one attempt despite maxAttempts 5
    }

    [Theory]
    [InlineData(5, RunOutcomes.Succeeded)]
    [InlineData(3, RunOutcomes.FailedCriteria)]
    public async Task RunAsync_DefinitionOfDone_DecidesTheOutcome(int grade, string expectedOutcome)
    {
        host.Llm = _ => new StepOutcome { Output = new JsonObject { ["summary"] = "a faithful summary", ["grade"] = grade }, Model = "scripted" };
        var workflow = TestDefinitions.Load(TestDefinitions.Workflow(
            """[ { "id": "summarize", "kind": "llm", "prompt": "p", "output": "json" } ]""",
            """
            [
              { "name": "graded well", "condition": { "path": "steps.summarize.output.grade", "atLeast": 4 } },
              { "name": "has summary", "condition": { "path": "steps.summarize.output.summary", "minLength": 5 } }
            ]
            """));

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(workflow));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        WorkflowRunResult result = done.ReadOutputAs<WorkflowRunResult>()!;
        Assert.Equal(expectedOutcome, result.Outcome);
        CriterionResult graded = result.DefinitionOfDone[0];
        Assert.Equal(grade >= 4, graded.Met);
        Assert.Equal(grade, graded.Actual!.GetValue<int>());
        Assert.True(result.DefinitionOfDone[1].Met);
    }

    [Fact]
    public async Task RunAsync_WhileAStepRuns_CustomStatusShowsTheCurrentStep()
    {
        using var release = new ManualResetEventSlim();
        host.Tool = _ =>
        {
            release.Wait(TimeSpan.FromMinutes(3));
            return new StepOutcome { Status = 200 };
        };
        var workflow = TestDefinitions.Load(TestDefinitions.Workflow("""
            [ { "id": "first", "kind": "llm", "prompt": "p" }, { "id": "slow", "kind": "tool", "connection": "c", "path": "/s" } ]
            """));

        string id = await host.StartAsync(TestDefinitions.Request(workflow));
        RunStatus status = await host.WaitForStatusAsync(id, s => s.CurrentStep == "slow");
        release.Set();

        Assert.Equal(RunStates.Running, status.State);
        Assert.Equal("tool", status.StepKind);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await host.WaitAsync(id)).RuntimeStatus);
    }
}
