using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamCanvas.Definitions;
using StreamCanvas.Storage;

namespace StreamCanvas.Schedules;

/// <summary>
/// The Functions host's schedule: its timer calls <see cref="StartDueAsync"/> every minute, and each scheduled
/// workflow starts the occurrence that came due since the last tick, by the time up to which the table says
/// occurrences were handled. After downtime, the gap since that time is what the missed policy judges.
/// </summary>
public sealed partial class DueOccurrences(
    WorkflowCatalog catalog, IScheduleStates states, ScheduledStarts starts, IOptions<ScheduleOptions> options, TimeProvider clock, ILogger<DueOccurrences> logger)
{
    /// <summary>Starts what is due on every schedule; returns the occurrences it tried.</summary>
    public async Task<IReadOnlyList<OccurrenceStart>> StartDueAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return [];
        }

        var tried = new List<OccurrenceStart>();
        foreach (LoadedWorkflow workflow in catalog.All.Where(w => w.Definition.Schedule is not null))
        {
            try
            {
                if (await StartDueOfAsync(workflow.Name, workflow.Definition.Schedule!, client, cancellationToken) is { } started)
                {
                    tried.Add(started);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One schedule's failure (storage blip) must not hold up the others; the next tick tries again.
                LogFailed(ex, workflow.Name);
            }
        }

        return tried;
    }

    async Task<OccurrenceStart?> StartDueOfAsync(string workflow, WorkflowSchedule schedule, DurableTaskClient client, CancellationToken cancellationToken)
    {
        DateTimeOffset now = clock.GetUtcNow();
        ScheduleState? state = await states.GetAsync(workflow, cancellationToken);

        // First sight of a schedule: it begins with the next occurrence, never with the ones before it was deployed.
        OccurrenceStart? started = null;
        if (state?.HandledThrough is { } handledThrough && ScheduleOccurrences.Due(schedule, handledThrough, now) is { } due)
        {
            started = await starts.StartAsync(workflow, due, client, cancellationToken);
        }

        // Only after the start returned: a tick that dies before this point is retried by the next one, which finds the run.
        await states.MarkHandledAsync(workflow, now, cancellationToken);
        return started;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Schedule of {Workflow}: could not start what is due; the next tick tries again")]
    partial void LogFailed(Exception error, string workflow);
}
