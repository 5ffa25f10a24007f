using System.Diagnostics;
using StreamCanvas.Definitions;
using StreamCanvas.Schedules;
using StreamCanvas.Telemetry;
using StreamCanvas.Tests.Support;
using static StreamCanvas.Tests.Schedules.ScheduleTestKit;

namespace StreamCanvas.Tests.Schedules;

/// <summary>"Start occurrence X of workflow W", the one place both hosts start scheduled runs, on the in-process Durable host.</summary>
public sealed class ScheduledStartsTests : IAsyncLifetime
{
    static readonly DateTimeOffset Occurrence = Utc("2026-12-03T06:00:00Z");
    InterpreterHost host = null!;

    public async Task InitializeAsync() => host = await InterpreterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task StartAsync_SameOccurrenceFiredTwice_StartsOneRun()
    {
        LoadedWorkflow workflow = Workflow();
        var states = new InMemoryScheduleStates();
        ScheduledStarts starts = OccurrenceStarts(new WorkflowCatalog([workflow]), states);

        OccurrenceStart first = await starts.StartAsync(workflow.Name, Occurrence, host.Client, CancellationToken.None);
        OccurrenceStart second = await starts.StartAsync(workflow.Name, Occurrence, host.Client, CancellationToken.None);

        Assert.Equal((OccurrenceOutcomes.Started, OccurrenceOutcomes.AlreadyStarted), (first.Outcome, second.Outcome));
        Assert.Equal(RunIds.ForOccurrence(workflow.Name, Occurrence), first.InstanceId);
        Assert.Equal(first.InstanceId, second.InstanceId);
        Assert.Equal([first.InstanceId!], await RunIdsAsync(host.Client, workflow.Name));
    }

    [Fact]
    public async Task StartAsync_Paused_StartsNothingAndRecordsNothing()
    {
        LoadedWorkflow workflow = Workflow();
        var states = new InMemoryScheduleStates();
        ScheduledStarts starts = OccurrenceStarts(new WorkflowCatalog([workflow]), states);
        Assert.True(await starts.SetPausedAsync(workflow.Name, paused: true, CancellationToken.None));

        OccurrenceStart result = await starts.StartAsync(workflow.Name, Occurrence, host.Client, CancellationToken.None);

        Assert.Equal((OccurrenceOutcomes.Paused, null), (result.Outcome, result.InstanceId));
        Assert.Empty(await RunIdsAsync(host.Client, workflow.Name));
        Assert.Null((await states.GetAsync(workflow.Name, CancellationToken.None))!.LastOccurrence);
    }

    [Fact]
    public async Task StartAsync_WorkflowWithoutSchedule_StartsNothing()
    {
        LoadedWorkflow plain = TestDefinitions.Load(TestDefinitions.Workflow("""[ { "id": "a", "kind": "llm", "prompt": "p" } ]""", name: "unscheduled-flow"));
        ScheduledStarts starts = OccurrenceStarts(new WorkflowCatalog([plain]), new InMemoryScheduleStates());

        Assert.Equal(OccurrenceOutcomes.NotScheduled, (await starts.StartAsync(plain.Name, Occurrence, host.Client, CancellationToken.None)).Outcome);
        Assert.False(await starts.SetPausedAsync(plain.Name, paused: true, CancellationToken.None));
        Assert.Empty(await RunIdsAsync(host.Client, plain.Name));
    }

    [Fact]
    public async Task StartAsync_Occurrence_IsTheRootSpanOfTheRunsStart()
    {
        using var telemetry = new TelemetryCapture(StreamCanvasTelemetry.DurableTaskSource);
        LoadedWorkflow workflow = Workflow();

        OccurrenceStart started = await OccurrenceStarts(new WorkflowCatalog([workflow]), new InMemoryScheduleStates()).StartAsync(workflow.Name, Occurrence, host.Client, CancellationToken.None);

        Activity span = Assert.Single(telemetry.Spans(ScheduleStartTrace.SpanName), s => Equals(s.GetTagItem(TelemetryTags.Workflow), workflow.Name));
        Assert.Equal(("2026-12-03T06:00:00.0000000Z", OccurrenceOutcomes.Started, started.InstanceId),
            ((string?)span.GetTagItem(ScheduleStartTrace.OccurrenceTag), (string?)span.GetTagItem(ScheduleStartTrace.OutcomeTag), (string?)span.GetTagItem(TelemetryTags.InstanceId)));
        Assert.Contains(telemetry.AllSpans(), s => s.DisplayName.StartsWith("create_orchestration", StringComparison.Ordinal) && s.ParentSpanId == span.SpanId);
    }
}
