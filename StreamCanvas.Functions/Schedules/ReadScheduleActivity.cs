using Microsoft.Extensions.Options;
using StreamCanvas.Activities;
using StreamCanvas.Definitions;

namespace StreamCanvas.Schedules;

public sealed record ScheduleRequest(string Workflow);

/// <summary>The schedule deployed now, or null (removed, the workflow gone, or schedules disabled on this host).</summary>
public sealed record ScheduleReading(WorkflowSchedule? Schedule);

/// <summary>
/// Reads the workflow's current schedule for its loop. An orchestrator may not read the catalog itself: a redeploy
/// changes it between replays, the answer recorded in the history does not.
/// </summary>
public sealed class ReadScheduleActivity(WorkflowCatalog catalog, IOptions<ScheduleOptions> options) : IDurableActivity<ScheduleRequest, ScheduleReading>
{
    public Task<ScheduleReading> RunAsync(ScheduleRequest input, CancellationToken cancellationToken) =>
        Task.FromResult(new ScheduleReading(options.Value.Enabled ? catalog.Find(input.Workflow)?.Definition.Schedule : null));
}
