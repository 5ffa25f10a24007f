using Microsoft.DurableTask.Client;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Alerts;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Orchestration;

/// <summary>
/// Every run ends by writing its row for the live record (real replay), the owner hears when the definition-of-done
/// pass rate falls below the declared share, and an llm step's daily budget share alerts at 80 % and 100 %.
/// </summary>
public sealed class RunRecordingTests : IAsyncLifetime
{
    const string Draft = """[{ "id": "draft", "kind": "llm", "prompt": "Write about {{input.topic}}" }]""";

    // Met only when the input asks for it, so a test chooses which runs meet their definition of done.
    const string DoneWhenWanted = """[{ "name": "wanted", "condition": { "path": "input.score", "atLeast": 1 } }]""";

    InterpreterHost host = null!;

    public async Task InitializeAsync() => host = await InterpreterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    static LoadedWorkflow Workflow(string? alerts = "oncall", DoneRateAlert? doneRate = null, WorkflowBudgets? budgets = null)
    {
        LoadedWorkflow workflow = TestDefinitions.Load(TestDefinitions.Workflow(Draft, DoneWhenWanted));
        return workflow with
        {
            Definition = workflow.Definition with
            {
                Owner = workflow.Definition.Owner with { Alerts = alerts, DoneRateAlert = doneRate },
                Budgets = budgets,
            },
        };
    }

    [Fact]
    public async Task CompletedRun_WritesItsRecordWithTokensCostAndModel()
    {
        host.Llm = _ => new StepOutcome { Output = new System.Text.Json.Nodes.JsonObject { ["text"] = "t" }, Model = "gpt-x", Tokens = new TokenUsage(1000, 500), Cost = 0.0125m };

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(Workflow(), """{ "topic": "t", "score": 1 }"""));

        FinishedRun record = Assert.Single(host.RunRecords.All);
        Assert.Equal((done.InstanceId, "test-flow", "1.0.0", RunOutcomes.Succeeded), (record.InstanceId, record.Workflow, record.Version, record.Outcome));
        Assert.Equal((1000, 500, 0.0125m), (record.PromptTokens, record.CompletionTokens, record.Cost));
        ModelUse model = Assert.Single(record.Models);
        Assert.Equal(("gpt-x", 1000, 500, 0.0125m), (model.Model, model.PromptTokens, model.CompletionTokens, model.Cost));
        Assert.Equal(0.0125m, done.ReadOutputAs<WorkflowRunResult>()!.Totals.Cost);
    }

    [Fact]
    public async Task FailedRun_RecordNamesTheStepAndReason()
    {
        host.Llm = _ => StepOutcome.Failure(FailureReasons.ModelError, "the model answered 500", retryable: false);

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(Workflow(), """{ "topic": "t" }"""));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        FinishedRun record = Assert.Single(host.RunRecords.All);
        Assert.Equal((RunOutcomes.Failed, "draft", FailureReasons.ModelError), (record.Outcome, record.FailedStep, record.FailureReason));
    }

    [Fact]
    public async Task DoneRate_FallsBelowTheDeclaredShare_AlertsOnceEnoughRunsFinished()
    {
        LoadedWorkflow workflow = Workflow(doneRate: new DoneRateAlert(Below: 0.75, WindowHours: 24, MinRuns: 4));

        // Two runs that met their definition of done, then misses: 2/3 is below 75 % but too few runs to say so;
        // 2/4 is the first rate the owner hears about.
        foreach (bool pass in new[] { true, true, false })
        {
            await host.RunToCompletionAsync(TestDefinitions.Request(workflow, $$"""{ "topic": "t", "score": {{(pass ? 1 : 0)}} }"""));
        }

        Assert.DoesNotContain(host.Alerts, a => a.Condition == AlertConditions.DoneRateLow);
        OrchestrationMetadata fourth = await host.RunToCompletionAsync(TestDefinitions.Request(workflow, """{ "topic": "t", "score": 0 }"""));

        OwnerAlert alert = Assert.Single(host.Alerts, a => a.Condition == AlertConditions.DoneRateLow);
        Assert.Equal((fourth.InstanceId, "oncall"), (alert.InstanceId, alert.Channel));
        Assert.Contains("2 of 4 runs", alert.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DoneRate_AtOrAboveTheDeclaredShare_AlertsNobody()
    {
        LoadedWorkflow workflow = Workflow(doneRate: new DoneRateAlert(Below: 0.5, MinRuns: 2));

        await host.RunToCompletionAsync(TestDefinitions.Request(workflow, """{ "topic": "t", "score": 1 }"""));
        await host.RunToCompletionAsync(TestDefinitions.Request(workflow, """{ "topic": "t", "score": 0 }"""));

        Assert.Equal(2, host.RunRecords.All.Count);
        Assert.Empty(host.Alerts);
    }

    [Theory]
    [InlineData(0.79, null)]
    [InlineData(0.8, AlertConditions.DailyBudgetWarning)]
    [InlineData(1.0, AlertConditions.DailyBudgetExhausted)]
    public async Task DailyBudgetShare_AlertsAt80And100Percent(double share, string? expected)
    {
        host.Llm = _ => new StepOutcome { Output = new System.Text.Json.Nodes.JsonObject { ["text"] = "t" }, Model = "m", Tokens = new TokenUsage(1, 1), DailyBudgetUsed = share };

        await host.RunToCompletionAsync(TestDefinitions.Request(Workflow(budgets: new WorkflowBudgets(DailyTokens: 1000)), """{ "topic": "t", "score": 1 }"""));

        var budgetAlerts = host.Alerts.Where(a => a.Condition.StartsWith("daily-budget", StringComparison.Ordinal)).ToList();
        if (expected is null)
        {
            Assert.Empty(budgetAlerts);
            return;
        }

        OwnerAlert alert = Assert.Single(budgetAlerts);
        Assert.Equal((expected, "draft"), (alert.Condition, alert.StepId));
        Assert.Contains("1000 tokens", alert.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DailyCostBudget_AlertNamesBothDeclaredBudgets()
    {
        host.Llm = _ => new StepOutcome { Output = new System.Text.Json.Nodes.JsonObject { ["text"] = "t" }, Model = "m", Tokens = new TokenUsage(1, 1), DailyBudgetUsed = 0.85 };

        await host.RunToCompletionAsync(TestDefinitions.Request(Workflow(budgets: new WorkflowBudgets(DailyTokens: 1000, DailyCost: 12.5m)), """{ "topic": "t", "score": 1 }"""));

        OwnerAlert alert = Assert.Single(host.Alerts, a => a.Condition == AlertConditions.DailyBudgetWarning);
        Assert.Equal("85 % of the daily budget of 1000 tokens and 12.50 in cost is used", alert.Message);
        Assert.Equal(new StreamCanvas.Activities.Models.DailyBudgetLimits(1000, 12.5m), Assert.Single(host.LlmCalls).DailyBudget);
    }

    [Fact]
    public async Task RunStartedUnderRevision3_ReplaysWithoutRecordOrBudgetAlert()
    {
        host.Llm = _ => new StepOutcome { Output = new System.Text.Json.Nodes.JsonObject { ["text"] = "t" }, Model = "m", Tokens = new TokenUsage(1, 1), DailyBudgetUsed = 1 };
        WorkflowRunRequest older = TestDefinitions.Request(Workflow(), """{ "topic": "t", "score": 1 }""") with { EngineRevision = 3 };

        OrchestrationMetadata done = await host.RunToCompletionAsync(older);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Empty(host.RunRecords.All);
        Assert.Empty(host.Alerts);
    }
}
