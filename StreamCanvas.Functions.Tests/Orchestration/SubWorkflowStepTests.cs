using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using StreamCanvas.Activities;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Orchestration;

/// <summary>Workflow steps on the in-process Durable Task host: the child is a real sub-orchestration, replayed for real.</summary>
public sealed class SubWorkflowStepTests : IAsyncLifetime
{
    InterpreterHost host = null!;

    public async Task InitializeAsync() => host = await InterpreterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    /// <summary>The child posts its topic to /publish/&lt;topic&gt;; the parent starts it and reads its outputs.</summary>
    static readonly LoadedWorkflow Child = TestDefinitions.Load(TestDefinitions.Workflow("""
        [ { "id": "publish", "kind": "tool", "connection": "c", "path": "/publish/{{input.topic}}" } ]
        """, name: "child-flow"));

    static readonly LoadedWorkflow Parent = TestDefinitions.Load(TestDefinitions.Workflow("""
        [
          { "id": "digest", "kind": "workflow", "workflow": "child-flow", "input": { "topic": "{{input.topic}}-digest" } },
          { "id": "announce", "kind": "llm", "prompt": "{{steps.digest.output.outcome}} {{steps.digest.output.outputs.publish.path}}" }
        ]
        """));

    [Fact]
    public async Task RunAsync_WorkflowStep_RunsTheChildAsItsOwnLinkedRunAndReadsItsOutputs()
    {
        host.Catalog = new WorkflowCatalog([Child, Parent]);
        host.Tool = request => new StepOutcome { Status = 200, Output = new JsonObject { ["path"] = request.Path } };

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(Parent));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        WorkflowRunResult result = done.ReadOutputAs<WorkflowRunResult>()!;
        Assert.Equal("succeeded /publish/durable-digest", Assert.Single(host.LlmCalls).Prompt);
        string childId = result.Steps[0].ChildInstanceId!;
        Assert.Equal(RunIds.ForChild("child-flow", done.InstanceId, "digest", 1), childId);
        Assert.StartsWith("child-flow:", childId, StringComparison.Ordinal);

        OrchestrationMetadata child = (await host.Client.GetInstanceAsync(childId, getInputsAndOutputs: true))!;
        Assert.Equal(OrchestrationRuntimeStatus.Completed, child.RuntimeStatus);
        WorkflowRunRequest childRequest = child.ReadInputAs<WorkflowRunRequest>()!;
        Assert.Equal((done.InstanceId, Child.ContentHash, "durable-digest"), (childRequest.ParentInstanceId, childRequest.DefinitionHash, childRequest.Input["topic"]!.GetValue<string>()));
    }

    [Fact]
    public async Task RunAsync_ChildFails_TheParentStepFailsWithTheChildsReasonAndStep()
    {
        host.Catalog = new WorkflowCatalog([Child, Parent]);
        host.Tool = _ => StepOutcome.Failure(FailureReasons.ToolNotAllowed, "connection 'c' is not allowed", retryable: false);

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(Parent));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        RunFailure failure = done.ReadCustomStatusAs<RunStatus>()!.Failure!;
        Assert.Equal(("digest", FailureReasons.ToolNotAllowed), (failure.StepId, failure.Reason));
        Assert.Contains("failed at step 'publish': connection 'c' is not allowed", failure.Message, StringComparison.Ordinal);
        Assert.Contains(RunIds.ForChild("child-flow", done.InstanceId, "digest", 1), failure.Message, StringComparison.Ordinal);
        Assert.Empty(host.LlmCalls);
    }

    [Fact]
    public async Task RunAsync_ChildInputBreaksItsSchema_FailsWithValidationBeforeStartingIt()
    {
        LoadedWorkflow strict = TestDefinitions.Load(TestDefinitions.Workflow("""[ { "id": "publish", "kind": "tool", "connection": "c", "path": "/p" } ]""", name: "child-flow")
            .Replace("\"properties\": { \"topic\"", "\"required\": [\"topic\"], \"properties\": { \"topic\"", StringComparison.Ordinal));
        LoadedWorkflow parent = TestDefinitions.Load(TestDefinitions.Workflow("""[ { "id": "digest", "kind": "workflow", "workflow": "child-flow", "input": { "score": 1 } } ]"""));
        host.Catalog = new WorkflowCatalog([strict, parent]);

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(parent));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        RunFailure failure = done.ReadCustomStatusAs<RunStatus>()!.Failure!;
        Assert.Equal(FailureReasons.Validation, failure.Reason);
        Assert.Contains("does not match its input schema", failure.Message, StringComparison.Ordinal);
        Assert.Empty(host.ToolCalls);
    }
}
