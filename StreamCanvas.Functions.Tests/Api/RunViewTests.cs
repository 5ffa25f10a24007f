using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using StreamCanvas.Api;
using StreamCanvas.Orchestration;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Api;

public sealed class RunViewTests
{
    static readonly RunLinks Links = RunLinks.For(new DefaultHttpContext { Request = { Scheme = "http", Host = new HostString("localhost") } }.Request, "x");

    [Fact]
    public void From_ChildRunAndParentWaitingOnIt_LinksEachToTheOther()
    {
        var workflow = TestDefinitions.Load(TestDefinitions.Workflow("""[ { "id": "a", "kind": "llm", "prompt": "p" } ]"""));
        WorkflowRunRequest childRequest = TestDefinitions.Request(workflow) with { ParentInstanceId = "parent-flow:1" };
        var child = new OrchestrationMetadata(nameof(WorkflowOrchestrator), "test-flow:c-1")
        {
            RuntimeStatus = OrchestrationRuntimeStatus.Running,
            SerializedInput = JsonDataConverter.Default.Serialize(childRequest),
            DataConverter = JsonDataConverter.Default,
        };
        var parentStatus = new RunStatus
        {
            Workflow = "parent-flow", Version = "1.0.0", State = RunStates.Running, CurrentStep = "digest", Children = ["test-flow:c-1"],
            Timeline = [new StepRecord { StepId = "earlier", Kind = "workflow", Status = StepStatuses.Succeeded, StartedAt = DateTime.UtcNow, ChildInstanceId = "test-flow:c-0" }],
        };
        var parent = new OrchestrationMetadata(nameof(WorkflowOrchestrator), "parent-flow:1")
        {
            RuntimeStatus = OrchestrationRuntimeStatus.Running,
            SerializedCustomStatus = JsonDataConverter.Default.Serialize(parentStatus),
            SerializedInput = JsonDataConverter.Default.Serialize(TestDefinitions.Request(workflow)),
            DataConverter = JsonDataConverter.Default,
        };

        Assert.Equal("parent-flow:1", RunView.From(child, Links).ParentInstanceId);
        Assert.Equal(["test-flow:c-1", "test-flow:c-0"], RunView.From(parent, Links).Children!);
        Assert.Null(RunView.From(parent, Links).ParentInstanceId);
    }
}
