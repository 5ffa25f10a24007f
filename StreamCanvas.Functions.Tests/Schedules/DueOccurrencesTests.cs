using Microsoft.Extensions.Time.Testing;
using StreamCanvas.Definitions;
using StreamCanvas.Schedules;
using StreamCanvas.Tests.Support;
using static StreamCanvas.Tests.Schedules.ScheduleTestKit;

namespace StreamCanvas.Tests.Schedules;

/// <summary>
/// The Functions host's once-a-minute tick on a fake clock, starting real runs on the in-process Durable host: the
/// clock is moved, never waited for.
/// </summary>
public sealed class DueOccurrencesTests : IAsyncLifetime
{
    InterpreterHost host = null!;

    public async Task InitializeAsync() => host = await InterpreterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task StartDueAsync_TicksAroundAnOccurrence_StartsItOnceWithTheScheduleInput()
    {
        LoadedWorkflow workflow = Workflow();
        var catalog = new WorkflowCatalog([workflow]);
        var states = new InMemoryScheduleStates();
        var clock = new FakeTimeProvider(Utc("2026-12-03T05:58:00Z"));
        DueOccurrences due = Due(catalog, states, clock);

        Assert.Empty(await due.StartDueAsync(host.Client, CancellationToken.None));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await due.StartDueAsync(host.Client, CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(70));
        OccurrenceStart started = Assert.Single(await due.StartDueAsync(host.Client, CancellationToken.None));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await due.StartDueAsync(host.Client, CancellationToken.None));

        // 07:00 in Berlin is 06:00 UTC in December.
        string expected = RunIds.ForOccurrence(workflow.Name, Utc("2026-12-03T06:00:00Z"));
        Assert.Equal((OccurrenceOutcomes.Started, expected), (started.Outcome, started.InstanceId));
        Assert.Equal([expected], await RunIdsAsync(host.Client, workflow.Name));
        var run = (await host.WaitAsync(expected)).ReadInputAs<StreamCanvas.Orchestration.WorkflowRunRequest>()!;
        Assert.Equal("digest", run.Input["topic"]!.GetValue<string>());
        StreamCanvas.Storage.ScheduleState state = (await states.GetAsync(workflow.Name, CancellationToken.None))!;
        Assert.Equal((Utc("2026-12-03T06:00:00Z"), expected), (state.LastOccurrence, state.LastInstanceId));
    }

    [Fact]
    public async Task StartDueAsync_FirstSightAfterAnOccurrence_DoesNotStartOccurrencesFromBeforeIt()
    {
        LoadedWorkflow workflow = Workflow(MissedPolicies.RunOnce);
        var clock = new FakeTimeProvider(Utc("2026-12-03T06:00:30Z"));

        Assert.Empty(await Due(new WorkflowCatalog([workflow]), new InMemoryScheduleStates(), clock).StartDueAsync(host.Client, CancellationToken.None));
        Assert.Empty(await RunIdsAsync(host.Client, workflow.Name));
    }

    [Theory]
    [InlineData(MissedPolicies.Skip, null)]
    [InlineData(MissedPolicies.RunOnce, "2026-12-06T06:00:00Z")]
    public async Task StartDueAsync_ThreeDaysDown_FollowsTheMissedPolicy(string missed, string? expectedOccurrence)
    {
        LoadedWorkflow workflow = Workflow(missed);
        var catalog = new WorkflowCatalog([workflow]);
        var states = new InMemoryScheduleStates();
        var clock = new FakeTimeProvider(Utc("2026-12-03T09:00:00Z"));
        DueOccurrences due = Due(catalog, states, clock);
        await due.StartDueAsync(host.Client, CancellationToken.None);

        // Down from Thursday 09:00 to Sunday 09:00: Friday's, Saturday's and Sunday's occurrences passed unseen.
        clock.Advance(TimeSpan.FromDays(3));
        IReadOnlyList<OccurrenceStart> started = await due.StartDueAsync(host.Client, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await due.StartDueAsync(host.Client, CancellationToken.None));

        string[] expected = expectedOccurrence is null ? [] : [RunIds.ForOccurrence(workflow.Name, Utc(expectedOccurrence))];
        Assert.Equal(expected, started.Select(s => s.InstanceId!));
        Assert.Equal(expected, await RunIdsAsync(host.Client, workflow.Name));
    }

    [Fact]
    public async Task StartDueAsync_TickedAgainForAnOccurrenceItStarted_StartsNothingTwice()
    {
        // Two instances of the app ticking for the same minute (or a tick retried after it started the run).
        LoadedWorkflow workflow = Workflow();
        var catalog = new WorkflowCatalog([workflow]);
        var states = new InMemoryScheduleStates();
        var clock = new FakeTimeProvider(Utc("2026-12-03T05:59:00Z"));
        await Due(catalog, states, clock).StartDueAsync(host.Client, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(1.5));

        OccurrenceStart first = Assert.Single(await Due(catalog, states, clock).StartDueAsync(host.Client, CancellationToken.None));
        await states.MarkHandledAsync(workflow.Name, Utc("2026-12-03T05:59:00Z"), CancellationToken.None);
        OccurrenceStart second = Assert.Single(await Due(catalog, states, clock).StartDueAsync(host.Client, CancellationToken.None));

        Assert.Equal((OccurrenceOutcomes.Started, OccurrenceOutcomes.AlreadyStarted), (first.Outcome, second.Outcome));
        Assert.Equal(first.InstanceId, second.InstanceId);
        Assert.Single(await RunIdsAsync(host.Client, workflow.Name));
    }

    [Fact]
    public async Task StartDueAsync_SchedulesDisabled_StartsNothing()
    {
        LoadedWorkflow workflow = Workflow(MissedPolicies.RunOnce);
        var states = new InMemoryScheduleStates();
        await states.MarkHandledAsync(workflow.Name, Utc("2026-12-03T05:59:00Z"), CancellationToken.None);
        var clock = new FakeTimeProvider(Utc("2026-12-03T06:00:30Z"));

        Assert.Empty(await Due(new WorkflowCatalog([workflow]), states, clock, enabled: false).StartDueAsync(host.Client, CancellationToken.None));
        Assert.Empty(await RunIdsAsync(host.Client, workflow.Name));
    }
}
