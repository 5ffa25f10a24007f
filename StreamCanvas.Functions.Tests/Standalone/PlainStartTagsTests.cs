using DurableTask.Core;
using DurableTask.Core.History;
using Moq;
using Newtonsoft.Json;
using StreamCanvas.Standalone;

namespace StreamCanvas.Tests.Standalone;

public sealed class PlainStartTagsTests
{
    [Fact]
    public async Task Complete_SubOrchestrationStartWithNonPlainTags_ForwardsPlainTagsTheProviderCanReadBack()
    {
        // The sidecar's tags are a protobuf MapField; any other IDictionary type stands in for it here.
        var started = new ExecutionStartedEvent(-1, "{}")
        {
            Name = "WorkflowOrchestrator",
            OrchestrationInstance = new OrchestrationInstance { InstanceId = "research-report:c-1", ExecutionId = "e" },
            Tags = new SortedDictionary<string, string> { ["origin"] = "parent" },
        };
        var child = new TaskMessage { Event = started, OrchestrationInstance = started.OrchestrationInstance };
        IList<TaskMessage>? forwarded = null;
        var inner = new Mock<IOrchestrationService>();
        inner.Setup(s => s.CompleteTaskOrchestrationWorkItemAsync(It.IsAny<TaskOrchestrationWorkItem>(), It.IsAny<OrchestrationRuntimeState>(),
                It.IsAny<IList<TaskMessage>>(), It.IsAny<IList<TaskMessage>>(), It.IsAny<IList<TaskMessage>>(), It.IsAny<TaskMessage>(), It.IsAny<OrchestrationState>()))
            .Callback<TaskOrchestrationWorkItem, OrchestrationRuntimeState, IList<TaskMessage>, IList<TaskMessage>, IList<TaskMessage>, TaskMessage, OrchestrationState>(
                (_, _, _, orchestrator, _, _, _) => forwarded = orchestrator)
            .Returns(Task.CompletedTask);

        await new PlainStartTags(inner.Object).CompleteTaskOrchestrationWorkItemAsync(new TaskOrchestrationWorkItem(), new OrchestrationRuntimeState(), [], [child], [], null!, null!);

        ExecutionStartedEvent sent = Assert.IsType<ExecutionStartedEvent>(Assert.Single(forwarded!).Event);
        Dictionary<string, string> tags = Assert.IsType<Dictionary<string, string>>(sent.Tags);
        Assert.Equal("parent", tags["origin"]);
        // As the provider writes and reads queue messages: with type names, which a plain Dictionary survives.
        var settings = new JsonSerializerSettings { TypeNameHandling = TypeNameHandling.Objects };
        var roundTrip = JsonConvert.DeserializeObject<ExecutionStartedEvent>(JsonConvert.SerializeObject(sent, settings), settings)!;
        Assert.Equal("parent", roundTrip.Tags["origin"]);
    }
}
