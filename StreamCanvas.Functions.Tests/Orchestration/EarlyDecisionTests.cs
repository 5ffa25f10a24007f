using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using StreamCanvas.Activities;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Orchestration;

public sealed class EarlyDecisionTests : IAsyncLifetime
{
    InterpreterHost host = null!;

    public async Task InitializeAsync() => host = await InterpreterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task RunAsync_DecisionRaisedBeforeTheGateOpens_IsAppliedWhenItOpens()
    {
        using var release = new ManualResetEventSlim();
        host.Tool = _ =>
        {
            release.Wait(TimeSpan.FromMinutes(3));
            return new StepOutcome { Status = 200 };
        };
        var workflow = TestDefinitions.Load(TestDefinitions.Workflow("""
            [
              { "id": "prepare", "kind": "tool", "connection": "c", "path": "/p" },
              { "id": "review", "kind": "approval", "context": ["input.topic"], "escalation": [ { "name": "editor", "timeout": "PT1H" } ] },
              { "id": "publish", "kind": "llm", "prompt": "publish {{input.topic}}" }
            ]
            """));
        var review = (ApprovalStep)workflow.Definition.FindStep("review")!;
        string hash = ApprovalSnapshot.Hash(ApprovalSnapshot.Capture(review, new JsonObject { ["input"] = new JsonObject { ["topic"] = "durable" }, ["steps"] = new JsonObject() }));

        string id = await host.StartAsync(TestDefinitions.Request(workflow));
        await host.WaitForStatusAsync(id, s => s.CurrentStep == "prepare");
        await host.Client.RaiseEventAsync(id, ApprovalEvents.ForGate("review-1"), new ApprovalDecision
        {
            Decision = Decisions.Approve, Approver = "early@example.com", SnapshotHash = hash, Level = 0, DecidedAt = DateTime.UtcNow,
        });
        release.Set();
        OrchestrationMetadata done = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        WorkflowRunResult result = done.ReadOutputAs<WorkflowRunResult>()!;
        Assert.Equal(["prepare", "review", "publish"], result.Steps.Select(s => s.StepId));
        Assert.Equal("early@example.com", result.Steps[1].Approval!.DecidedBy);
    }
}
