using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using StreamCanvas.Activities;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Orchestration;

/// <summary>Token budgets, output validation with feedback, and Retry-After, as the interpreter applies them.</summary>
public sealed class LlmPolicyTests : IAsyncLifetime
{
    InterpreterHost host = null!;

    public async Task InitializeAsync() => host = await InterpreterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task RunAsync_StepOverItsTokenBudget_DoesNotCallTheModelAndRoutesOnFailure()
    {
        var workflow = TestDefinitions.Load(TestDefinitions.Workflow("""
            [
              { "id": "big", "kind": "llm", "prompt": "p", "maxTokens": 4000, "tokenBudget": 1000, "onFailure": { "goto": "small" } },
              { "id": "never", "kind": "llm", "prompt": "never", "next": "end" },
              { "id": "small", "kind": "llm", "prompt": "cheap", "maxTokens": 100, "tokenBudget": 1000 }
            ]
            """));

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(workflow));

        WorkflowRunResult result = done.ReadOutputAs<WorkflowRunResult>()!;
        Assert.Equal(FailureReasons.BudgetExceeded, result.Steps[0].Error!.Reason);
        Assert.Equal("cheap", Assert.Single(host.LlmCalls).Prompt);
    }

    [Fact]
    public async Task RunAsync_RunBudgetUsedUp_FailsWithBudgetExceeded()
    {
        host.Llm = _ => new StepOutcome { Output = new JsonObject { ["text"] = "x" }, Tokens = new TokenUsage(400, 200), Model = "m" };
        string json = TestDefinitions.Workflow("""
            [ { "id": "one", "kind": "llm", "prompt": "p", "maxTokens": 100 }, { "id": "two", "kind": "llm", "prompt": "p", "maxTokens": 100 } ]
            """).Replace("\"steps\":", "\"budgets\": { \"runTokens\": 650 },\n  \"steps\":", StringComparison.Ordinal);
        var workflow = TestDefinitions.Load(json);

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(workflow));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        RunFailure failure = done.ReadCustomStatusAs<RunStatus>()!.Failure!;
        Assert.Equal(("two", FailureReasons.BudgetExceeded), (failure.StepId, failure.Reason));
        Assert.Single(host.LlmCalls);
    }

    [Fact]
    public async Task RunAsync_InvalidOutput_RetriesWithTheValidatorsFeedbackThenSucceeds()
    {
        host.Llm = request => request.Feedback is null
            ? StepOutcome.Failure(FailureReasons.OutputInvalid, "summary is too long", retryable: true) with { Tokens = new TokenUsage(10, 10) }
            : new StepOutcome { Output = new JsonObject { ["summary"] = "short" }, Tokens = new TokenUsage(12, 4) };
        var workflow = TestDefinitions.Load(TestDefinitions.Workflow("""
            [ { "id": "sum", "kind": "llm", "prompt": "p", "output": "json", "validation": { "maxAttempts": 3 } } ]
            """));

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(workflow));

        WorkflowRunResult result = done.ReadOutputAs<WorkflowRunResult>()!;
        Assert.Equal(RunOutcomes.Succeeded, result.Outcome);
        Assert.Equal([null, "summary is too long"], host.LlmCalls.Select(c => c.Feedback));
        Assert.Equal(2, result.Steps[0].Attempts);
        Assert.Equal(36, result.Totals.TotalTokens); // tokens of the rejected attempt count too
    }

    [Fact]
    public async Task RunAsync_OutputStaysInvalid_RoutesToTheApprovalGateAfterMaxAttempts()
    {
        host.Llm = _ => StepOutcome.Failure(FailureReasons.OutputInvalid, "no sources cited", retryable: true);
        var workflow = TestDefinitions.Load(TestDefinitions.Workflow("""
            [
              { "id": "draft", "kind": "llm", "prompt": "p", "validation": { "maxAttempts": 2 }, "onFailure": { "goto": "review" } },
              { "id": "review", "kind": "approval", "context": ["input.topic"], "escalation": [ { "name": "l1", "timeout": "PT1S" } ], "onTimeout": "approve" }
            ]
            """));

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(workflow));

        WorkflowRunResult result = done.ReadOutputAs<WorkflowRunResult>()!;
        Assert.Equal(2, host.LlmCalls.Count);
        Assert.Equal(("draft", FailureReasons.OutputInvalid, "review"), (result.Steps[0].StepId, result.Steps[0].Error!.Reason, result.Steps[0].Next));
        Assert.Equal("review", result.Steps[1].StepId);
    }

    [Fact]
    public async Task RunAsync_RateLimitedWithRetryAfter_WaitsAtLeastThatLongBeforeRetrying()
    {
        var calls = new List<DateTime>();
        host.Llm = _ =>
        {
            lock (calls) { calls.Add(DateTime.UtcNow); }
            return calls.Count == 1
                ? new StepOutcome { Error = new StepError(FailureReasons.ModelRateLimited, "429", true) { RetryAfterSeconds = 2 } }
                : new StepOutcome { Output = new JsonObject { ["text"] = "ok" } };
        };
        var workflow = TestDefinitions.Load(TestDefinitions.Workflow("""
            [ { "id": "draft", "kind": "llm", "prompt": "p", "retry": { "maxAttempts": 2, "firstDelaySeconds": 0.1 } } ]
            """));

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(workflow));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.True(calls[1] - calls[0] >= TimeSpan.FromSeconds(1.9), $"retried after {(calls[1] - calls[0]).TotalSeconds:F2} s");
    }

    [Fact]
    public async Task RunAsync_ModelQuotaHadNoRoom_WaitsTheRetryAfterAndCallsAgainWithoutSpendingAnAttempt()
    {
        var calls = new List<(DateTime At, int Attempt)>();
        host.Llm = request =>
        {
            lock (calls) { calls.Add((DateTime.UtcNow, request.Step.Attempt)); }
            return calls.Count <= 2
                ? new StepOutcome { Error = new StepError(FailureReasons.ModelQuotaWait, "no room", true) { RetryAfterSeconds = 1 } }
                : new StepOutcome { Output = new JsonObject { ["text"] = "ok" } };
        };

        // No retry policy: a single attempt, which two quota waits must not use up.
        var workflow = TestDefinitions.Load(TestDefinitions.Workflow("""
            [ { "id": "draft", "kind": "llm", "prompt": "p" } ]
            """));

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(workflow));

        WorkflowRunResult result = done.ReadOutputAs<WorkflowRunResult>()!;
        Assert.Equal(RunOutcomes.Succeeded, result.Outcome);
        Assert.Equal(1, result.Steps[0].Attempts);
        Assert.Equal([1, 1, 1], calls.Select(c => c.Attempt));
        Assert.True(calls[1].At - calls[0].At >= TimeSpan.FromSeconds(0.9), $"called again after {(calls[1].At - calls[0].At).TotalSeconds:F2} s");
    }
}
