using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamCanvas.Definitions;
using StreamCanvas.Schedules;
using StreamCanvas.Tests.Support;
using static StreamCanvas.Tests.Schedules.ScheduleTestKit;

namespace StreamCanvas.Tests.Schedules;

/// <summary>
/// The standalone host's schedule loop on the in-process Durable host with real replay, timers and continue-as-new:
/// a cron every two seconds fires for real; downtime is a loop input that says when it last looked.
/// </summary>
public sealed class ScheduleOrchestratorTests : IAsyncLifetime
{
    InterpreterHost host = null!;

    public async Task InitializeAsync() => host = await InterpreterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task RunAsync_NearTermCron_StartsOneRunPerOccurrenceUntilARedeployRemovesTheSchedule()
    {
        LoadedWorkflow workflow = Workflow(cron: "*/2 * * * * *", zone: "UTC");
        host.Catalog = new WorkflowCatalog([workflow]);
        string loop = ScheduleOrchestrator.InstanceIdFor(workflow.Name);

        Assert.Equal([loop], await Loops(host.Catalog).EnsureAsync(host.Client, CancellationToken.None));
        Assert.Empty(await Loops(host.Catalog).EnsureAsync(host.Client, CancellationToken.None));
        await WaitUntilAsync(async () => (await RunIdsAsync(host.Client, workflow.Name)).Count >= 3);

        // Redeployed without the schedule: the starting host tells the loop, which re-reads and ends.
        host.Catalog = new WorkflowCatalog([TestDefinitions.Load(TestDefinitions.Workflow("""[ { "id": "work", "kind": "llm", "prompt": "p" } ]""", name: workflow.Name))]);
        Assert.Empty(await Loops(host.Catalog).EnsureAsync(host.Client, CancellationToken.None));
        OrchestrationMetadata ended = await host.WaitAsync(loop);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, ended.RuntimeStatus);
        Assert.Contains("no schedule", ended.ReadOutputAs<string>(), StringComparison.Ordinal);
        // Each occurrence was started once, and each run is an occurrence's (the last start may have met the redeploy and started none).
        List<DateTimeOffset> occurrences = OccurrencesOf(workflow);
        Assert.Equal(occurrences.Count, occurrences.Distinct().Count());
        Assert.All(occurrences, o => Assert.Equal(0, o.Second % 2));
        List<string> runs = await RunIdsAsync(host.Client, workflow.Name);
        Assert.InRange(runs.Count, 3, occurrences.Count);
        Assert.Subset(occurrences.Select(o => RunIds.ForOccurrence(workflow.Name, o)).ToHashSet(), runs.ToHashSet());
        foreach (string run in runs)
        {
            Assert.Equal(OrchestrationRuntimeStatus.Completed, (await host.WaitAsync(run)).RuntimeStatus);
        }
    }

    [Theory]
    [InlineData(MissedPolicies.Skip)]
    [InlineData(MissedPolicies.RunOnce)]
    public async Task RunAsync_WokenLongAfterAnOccurrence_FollowsTheMissedPolicy(string missed)
    {
        // A daily occurrence an hour ago, and a loop that last looked three days ago (its host was down since).
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var missedAt = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddHours(-1);
        LoadedWorkflow workflow = Workflow(missed, cron: $"{missedAt.Minute} {missedAt.Hour} * * *", zone: "UTC");
        host.Catalog = new WorkflowCatalog([workflow]);
        string loop = ScheduleOrchestrator.InstanceIdFor(workflow.Name);
        await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(ScheduleOrchestrator), new ScheduleLoop(workflow.Name, now.AddDays(-3)), new StartOrchestrationOptions(loop));

        // A second pass of the loop proves the first one has decided (a start comes before the wait).
        await WaitUntilAsync(() => Task.FromResult(ReadsOf(workflow) >= 1));
        await host.Client.RaiseEventAsync(loop, ScheduleOrchestrator.RefreshEvent, true);
        await WaitUntilAsync(() => Task.FromResult(ReadsOf(workflow) >= 2));

        DateTimeOffset[] expected = missed == MissedPolicies.RunOnce ? [missedAt] : [];
        Assert.Equal(expected, OccurrencesOf(workflow));
        Assert.Equal(expected.Select(o => RunIds.ForOccurrence(workflow.Name, o)), await RunIdsAsync(host.Client, workflow.Name));

        host.Catalog = new WorkflowCatalog([]);
        await host.Client.RaiseEventAsync(loop, ScheduleOrchestrator.RefreshEvent, true);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await host.WaitAsync(loop)).RuntimeStatus);
    }

    static ScheduleLoops Loops(WorkflowCatalog catalog) => new(catalog, Options.Create(new ScheduleOptions()), NullLogger<ScheduleLoops>.Instance);

    List<DateTimeOffset> OccurrencesOf(LoadedWorkflow workflow) => [.. host.Occurrences.Where(o => o.Workflow == workflow.Name).Select(o => o.Occurrence)];

    int ReadsOf(LoadedWorkflow workflow) => host.ScheduleReads.Count(r => r.Workflow == workflow.Name);

    /// <summary>A generous cap that only bounds a hang; the condition is what the test waits for.</summary>
    static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (DateTime deadline = DateTime.UtcNow.AddMinutes(3); !await condition(); await Task.Delay(50))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the schedule loop never got there");
            }
        }
    }
}
