using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Time.Testing;
using Moq;
using StreamCanvas.Definitions;
using StreamCanvas.Functions;
using StreamCanvas.Orchestration;
using StreamCanvas.Tests.Support;
using static StreamCanvas.Tests.Schedules.ScheduleTestKit;

namespace StreamCanvas.Tests.Schedules;

/// <summary>The Functions host's timer trigger is a thin adapter: the tick's client and cancellation go to the one handler.</summary>
public sealed class ScheduleFunctionsTests
{
    [Fact]
    public async Task StartDueSchedules_TickAtAnOccurrence_SchedulesItsRunThroughTheBoundClient()
    {
        LoadedWorkflow workflow = Workflow();
        var catalog = new WorkflowCatalog([workflow]);
        var states = new InMemoryScheduleStates();
        await states.MarkHandledAsync(workflow.Name, Utc("2026-12-03T05:59:00Z"), CancellationToken.None);
        var clock = new FakeTimeProvider(Utc("2026-12-03T06:00:05Z"));
        var functions = new ScheduleFunctions(Due(catalog, states, clock), new StreamCanvas.Api.SchedulesHandler(catalog, states, OccurrenceStarts(catalog, states), clock));

        var client = new Mock<DurableTaskClient>("functions");
        client.Setup(c => c.GetInstanceAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>())).ReturnsAsync((OrchestrationMetadata?)null);
        var scheduled = new List<(TaskName Name, WorkflowRunRequest Request, string InstanceId)>();
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .Callback((TaskName name, object? input, StartOrchestrationOptions? options, CancellationToken _) => scheduled.Add((name, (WorkflowRunRequest)input!, options!.InstanceId!)))
            .ReturnsAsync((TaskName _, object? _, StartOrchestrationOptions? options, CancellationToken _) => options!.InstanceId!);
        using var cancellation = new CancellationTokenSource();
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.CancellationToken).Returns(cancellation.Token);

        await functions.StartDueSchedules(new TimerInfo(), client.Object, context.Object);

        (TaskName name, WorkflowRunRequest request, string instanceId) = Assert.Single(scheduled);
        Assert.Equal(nameof(WorkflowOrchestrator), name.Name);
        Assert.Equal(RunIds.ForOccurrence(workflow.Name, Utc("2026-12-03T06:00:00Z")), instanceId);
        Assert.Equal("digest", request.Input["topic"]!.GetValue<string>());
        client.Verify(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), cancellation.Token), Times.Once);
    }
}
