using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using StreamCanvas.Standalone;

namespace StreamCanvas.Tests.Standalone;

public sealed class RedeliveredStartFilterTests
{
    static readonly OrchestrationInstance Instance = new() { InstanceId = "wf:1", ExecutionId = "exec-1" };

    static TaskMessage Started(string executionId) => new()
    {
        Event = new ExecutionStartedEvent(-1, "{}") { Name = "WorkflowOrchestrator", OrchestrationInstance = new OrchestrationInstance { InstanceId = "wf:1", ExecutionId = executionId } },
        OrchestrationInstance = Instance,
    };

    static async Task<IList<TaskMessage>> LockAsync(OrchestrationRuntimeState state, params TaskMessage[] messages)
    {
        var inner = new Mock<IOrchestrationService>();
        inner.Setup(s => s.LockNextTaskOrchestrationWorkItemAsync(It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new TaskOrchestrationWorkItem { InstanceId = "wf:1", OrchestrationRuntimeState = state, NewMessages = messages.ToList() });
        var filter = new RedeliveredStartFilter(inner.Object, NullLogger<RedeliveredStartFilter>.Instance);

        return (await filter.LockNextTaskOrchestrationWorkItemAsync(TimeSpan.FromSeconds(1), CancellationToken.None)).NewMessages;
    }

    [Fact]
    public async Task LockNext_StartRedeliveredToAStartedRun_IsDropped()
    {
        var history = new OrchestrationRuntimeState([Started("exec-1").Event]);
        var decision = new TaskMessage { Event = new EventRaisedEvent(-1, "{}") { Name = "approval:review-1" }, OrchestrationInstance = Instance };

        IList<TaskMessage> kept = await LockAsync(history, Started("exec-1"), decision);

        Assert.Equal([decision], kept);
    }

    [Fact]
    public async Task LockNext_FirstStart_IsKept()
    {
        TaskMessage start = Started("exec-1");

        IList<TaskMessage> kept = await LockAsync(new OrchestrationRuntimeState(), start);

        Assert.Equal([start], kept);
    }
}
