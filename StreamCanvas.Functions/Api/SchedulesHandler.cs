using Microsoft.AspNetCore.Http;
using StreamCanvas.Definitions;
using StreamCanvas.Schedules;
using StreamCanvas.Storage;

namespace StreamCanvas.Api;

/// <summary>
/// GET /api/schedules and POST /api/schedules/{workflow}/pause|resume: what each schedule does next and last, and
/// its pause flag (read by both hosts before every start).
/// </summary>
public sealed class SchedulesHandler(WorkflowCatalog catalog, IScheduleStates states, ScheduledStarts starts, TimeProvider clock)
{
    public async Task<IResult> ListAsync(CancellationToken cancellationToken)
    {
        var schedules = new List<ScheduleView>();
        foreach (LoadedWorkflow workflow in catalog.All.Where(w => w.Definition.Schedule is not null).OrderBy(w => w.Name, StringComparer.Ordinal))
        {
            schedules.Add(await ViewAsync(workflow.Name, workflow.Definition.Schedule!, cancellationToken));
        }

        return Results.Ok(new ScheduleList(schedules));
    }

    public Task<IResult> PauseAsync(string workflow, CancellationToken cancellationToken) => SetPausedAsync(workflow, paused: true, cancellationToken);

    public Task<IResult> ResumeAsync(string workflow, CancellationToken cancellationToken) => SetPausedAsync(workflow, paused: false, cancellationToken);

    async Task<IResult> SetPausedAsync(string workflow, bool paused, CancellationToken cancellationToken)
    {
        if (!await starts.SetPausedAsync(workflow, paused, cancellationToken))
        {
            return Problems.Of(StatusCodes.Status404NotFound, "Not found", catalog.Find(workflow) is null
                ? $"no workflow named '{workflow}'"
                : $"workflow '{workflow}' has no schedule", [new FieldError("workflow", catalog.Find(workflow) is null ? "unknown workflow" : "not scheduled")]);
        }

        return Results.Ok(await ViewAsync(workflow, catalog.Find(workflow)!.Definition.Schedule!, cancellationToken));
    }

    async Task<ScheduleView> ViewAsync(string workflow, WorkflowSchedule schedule, CancellationToken cancellationToken)
    {
        ScheduleState? state = await states.GetAsync(workflow, cancellationToken);
        return new ScheduleView(workflow, schedule.Cron, schedule.TimeZone, schedule.Missed,
            ScheduleOccurrences.Next(schedule, clock.GetUtcNow()), state?.LastOccurrence, state?.LastInstanceId, state?.Paused ?? false);
    }
}

public sealed record ScheduleList(IReadOnlyList<ScheduleView> Schedules);

/// <param name="NextOccurrence">UTC; null when the cron never fires again. A paused schedule's next occurrence starts nothing.</param>
/// <param name="LastOccurrence">The latest occurrence that started a run (UTC), and <paramref name="LastRunId"/> that run.</param>
public sealed record ScheduleView(
    string Workflow, string Cron, string TimeZone, string Missed, DateTimeOffset? NextOccurrence, DateTimeOffset? LastOccurrence, string? LastRunId, bool Paused);
