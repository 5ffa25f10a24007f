using Microsoft.DurableTask;
using StreamCanvas.Definitions;

namespace StreamCanvas.Schedules;

/// <summary>
/// The standalone host's schedule of one workflow, an eternal orchestration: read the schedule deployed now, start
/// the occurrence that came due, sleep on a durable timer until the next one, continue as new. Occurrence math runs
/// on the replay-safe clock (<see cref="TaskOrchestrationContext.CurrentUtcDateTime"/>) through the pure
/// <see cref="ScheduleOccurrences"/>; a host that is down when the timer is due wakes it late, and the gap since
/// <see cref="ScheduleLoop.HandledThrough"/> is judged by the missed policy. Ends when the workflow has no schedule.
/// </summary>
public sealed class ScheduleOrchestrator : TaskOrchestrator<ScheduleLoop, string>
{
    /// <summary>Raised by a starting host: the deployed schedule may have changed, so re-read it now rather than at the next occurrence.</summary>
    public const string RefreshEvent = "schedule-changed";

    /// <summary>No workflow name starts with '~', so the loops never list among a workflow's runs (whose ids start with its name).</summary>
    public const string InstanceIdPrefix = "~schedule~";

    static readonly TaskOptions Retried = TaskOptions.FromRetryPolicy(new RetryPolicy(5, TimeSpan.FromSeconds(5), 2, TimeSpan.FromMinutes(1)));

    public static string InstanceIdFor(string workflow) => InstanceIdPrefix + workflow;

    public override async Task<string> RunAsync(TaskOrchestrationContext context, ScheduleLoop loop)
    {
        ScheduleReading reading = await context.CallActivityAsync<ScheduleReading>(nameof(ReadScheduleActivity), new ScheduleRequest(loop.Workflow), Retried);
        if (reading.Schedule is not { } schedule)
        {
            return $"'{loop.Workflow}' has no schedule on this host any more";
        }

        var now = new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero);
        if (loop.HandledThrough is { } handledThrough && ScheduleOccurrences.Due(schedule, handledThrough, now) is { } due)
        {
            await context.CallActivityAsync<OccurrenceStart>(nameof(StartOccurrenceActivity), new OccurrenceToStart(loop.Workflow, due), Retried);
        }

        if (ScheduleOccurrences.Next(schedule, now) is not { } next)
        {
            return $"the cron of '{loop.Workflow}' has no further occurrence";
        }

        using var cancel = new CancellationTokenSource();
        Task timer = context.CreateTimer(next.UtcDateTime, cancel.Token);
        Task refresh = context.WaitForExternalEvent<bool>(RefreshEvent, cancel.Token);
        await Task.WhenAny(timer, refresh);

        // Cancel whichever lost (the timer, after a refresh), or it would hold the loop until it fires.
        cancel.Cancel();

        // A fresh history per occurrence keeps the loop's replay short however long it runs.
        context.ContinueAsNew(loop with { HandledThrough = now });
        return "";
    }
}

/// <param name="HandledThrough">Every occurrence up to this time was started or judged; null on the loop's first run (it begins with the next occurrence).</param>
public sealed record ScheduleLoop(string Workflow, DateTimeOffset? HandledThrough);
