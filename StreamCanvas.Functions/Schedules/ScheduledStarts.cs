using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using StreamCanvas.Definitions;
using StreamCanvas.Starts;
using StreamCanvas.Storage;
using StreamCanvas.Telemetry;

namespace StreamCanvas.Schedules;

/// <summary>
/// "Start occurrence X of workflow W", whichever host's timer noticed it: the run id is the workflow and the
/// occurrence (<see cref="RunIds.ForOccurrence"/>) and the start goes through <see cref="RunStarter"/>, so a second
/// fire of the same occurrence (another host, a retried activity, a redelivered timer) finds that run and starts
/// nothing. A paused schedule starts nothing either.
/// </summary>
public sealed partial class ScheduledStarts(WorkflowCatalog catalog, RunStarter starter, IScheduleStates states, ILogger<ScheduledStarts> logger)
{
    public const string Source = "schedule";

    public async Task<OccurrenceStart> StartAsync(string workflow, DateTimeOffset occurrence, DurableTaskClient client, CancellationToken cancellationToken)
    {
        using System.Diagnostics.Activity? span = ScheduleStartTrace.Start(workflow, occurrence);
        OccurrenceStart result = await TryStartAsync(workflow, occurrence, client, cancellationToken);
        ScheduleStartTrace.Finish(span, result.Outcome, result.InstanceId, failed: result.Outcome == OccurrenceOutcomes.Rejected);
        LogOccurrence(workflow, occurrence, result.Outcome, result.InstanceId, result.Detail);
        return result;
    }

    async Task<OccurrenceStart> TryStartAsync(string workflow, DateTimeOffset occurrence, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (catalog.Find(workflow)?.Definition.Schedule is not { } schedule)
        {
            return new(OccurrenceOutcomes.NotScheduled, null, $"workflow '{workflow}' has no schedule");
        }

        if ((await states.GetAsync(workflow, cancellationToken))?.Paused == true)
        {
            return new(OccurrenceOutcomes.Paused, null, null);
        }

        var command = new StartCommand(workflow, schedule.Input.DeepClone(), Source,
            ClientInstanceId: RunIds.OccurrenceSuffix(occurrence), InputField: ScheduleChecks.At + "/input");
        StartOutcome outcome = await starter.StartAsync(command, client, cancellationToken);
        if (outcome.Rejection is { } rejection)
        {
            // The loader checked the input, so this is a redeploy that changed it between two fires of one occurrence.
            return new(OccurrenceOutcomes.Rejected, rejection.InstanceId, rejection.Detail);
        }

        await states.RecordStartedAsync(workflow, occurrence, outcome.InstanceId!, cancellationToken);
        return new(outcome.Replayed ? OccurrenceOutcomes.AlreadyStarted : OccurrenceOutcomes.Started, outcome.InstanceId, null);
    }

    /// <summary>The pause flag both hosts read before each start; false when the workflow has no schedule.</summary>
    public async Task<bool> SetPausedAsync(string workflow, bool paused, CancellationToken cancellationToken)
    {
        if (catalog.Find(workflow)?.Definition.Schedule is null)
        {
            return false;
        }

        await states.SetPausedAsync(workflow, paused, cancellationToken);
        LogPaused(workflow, paused);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule of {Workflow}, occurrence {Occurrence:O}: {Outcome} {InstanceId} {Detail}")]
    partial void LogOccurrence(string workflow, DateTimeOffset occurrence, string outcome, string? instanceId, string? detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule of {Workflow} paused: {Paused}")]
    partial void LogPaused(string workflow, bool paused);
}

/// <summary>What became of one occurrence: its outcome, the run it names, and why not when it started none.</summary>
public sealed record OccurrenceStart(string Outcome, string? InstanceId, string? Detail);

public static class OccurrenceOutcomes
{
    public const string Started = "started";

    /// <summary>Another fire of the same occurrence had started its run: nothing new.</summary>
    public const string AlreadyStarted = "already-started";
    public const string Paused = "paused";
    public const string NotScheduled = "not-scheduled";
    public const string Rejected = "rejected";
}
