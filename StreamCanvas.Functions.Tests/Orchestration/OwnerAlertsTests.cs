using Microsoft.DurableTask.Client;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Alerts;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Orchestration;

/// <summary>A failed run alerts its owner from durable work (real replay), only from the engine revision that added it.</summary>
public sealed class OwnerAlertsTests : IAsyncLifetime
{
    const string Publish = """[{ "id": "publish", "kind": "tool", "connection": "cms", "method": "POST", "path": "/articles", "onFailure": { "fail": "publish-failed" } }]""";

    InterpreterHost host = null!;

    public async Task InitializeAsync()
    {
        host = await InterpreterHost.StartAsync();
        host.Tool = _ => StepOutcome.Failure(FailureReasons.ToolError, "POST /articles returned 503", retryable: false);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    static LoadedWorkflow Workflow(string? alerts)
    {
        LoadedWorkflow workflow = TestDefinitions.Load(TestDefinitions.Workflow(Publish));
        return workflow with { Definition = workflow.Definition with { Owner = workflow.Definition.Owner with { Alerts = alerts } } };
    }

    [Fact]
    public async Task FailedRun_OwnerHasAChannel_AlertsOnceWithStepAndReason()
    {
        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(Workflow("oncall")));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        OwnerAlert alert = Assert.Single(host.Alerts);
        Assert.Equal((AlertConditions.RunFailed, "oncall", "publish", "publish-failed"), (alert.Condition, alert.Channel, alert.StepId, alert.Reason));
        Assert.Equal(done.InstanceId, alert.InstanceId);
        Assert.Contains("503", alert.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedRun_NoChannel_AlertsNobody()
    {
        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(Workflow(alerts: null)));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        Assert.Empty(host.Alerts);
    }

    [Fact]
    public async Task FailedRun_StartedUnderRevision2_ReplaysWithoutTheAlert()
    {
        WorkflowRunRequest older = TestDefinitions.Request(Workflow("oncall")) with { EngineRevision = 2 };

        OrchestrationMetadata done = await host.RunToCompletionAsync(older);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        Assert.Empty(host.Alerts);
    }

    static LoadedWorkflow Gated(string onTimeout)
    {
        LoadedWorkflow workflow = TestDefinitions.Load(TestDefinitions.Workflow($$$"""
            [
              { "id": "draft", "kind": "llm", "prompt": "Write about {{input.topic}}" },
              { "id": "review", "kind": "approval", "context": ["steps.draft.output.text"],
                "escalation": [
                  { "name": "editor", "approvers": ["ed@example.com"], "timeout": "PT1S" },
                  { "name": "chief", "approvers": ["chief@example.com"], "timeout": "PT1S" }
                ],
                "onTimeout": "{{{onTimeout}}}" }
            ]
            """));
        return workflow with { Definition = workflow.Definition with { Owner = workflow.Definition.Owner with { Alerts = "oncall" } } };
    }

    [Theory]
    [InlineData(TimeoutActions.Approve, new[] { AlertConditions.ApprovalEscalated, AlertConditions.ApprovalTimedOut })]
    [InlineData(TimeoutActions.Reject, new[] { AlertConditions.ApprovalEscalated, AlertConditions.ApprovalTimedOut, AlertConditions.RunFailed })]
    [InlineData(TimeoutActions.Fail, new[] { AlertConditions.ApprovalEscalated, AlertConditions.RunFailed })]
    public async Task Approval_EscalatesToItsLastLevelAndTimesOut_AlertsEachCondition(string onTimeout, string[] expected)
    {
        await host.RunToCompletionAsync(TestDefinitions.Request(Gated(onTimeout)));

        Assert.Equal(expected, host.Alerts.Select(a => a.Condition));
        Assert.All(host.Alerts, a => Assert.Equal("review", a.StepId));
        Assert.Contains("chief", host.Alerts.First().Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompletedRun_AlertsNobody()
    {
        host.Tool = _ => new StepOutcome { Status = 201 };

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(Workflow("oncall")));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Empty(host.Alerts);
    }
}
