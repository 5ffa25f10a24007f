using Microsoft.DurableTask;
using StreamCanvas.Activities.Records;
using StreamCanvas.Definitions;
using StreamCanvas.Storage;

namespace StreamCanvas.Orchestration;

/// <summary>
/// Part of the interpreter: at a run's end, writes its row for the live record (through an activity) and alerts
/// the owner when the definition-of-done pass rate over the declared window has fallen below the declared share.
/// </summary>
internal static class RunRecording
{
    // The record is bookkeeping: a storage blip is retried, and a record that cannot be written does not fail the run.
    static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 4, firstRetryInterval: TimeSpan.FromSeconds(5), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(1)));

    public static async Task FinishedAsync(
        TaskOrchestrationContext context, RunState run, DateTime startedAt, string outcome, WorkflowFailedException? failure = null)
    {
        if (run.EngineRevision < OwnerAlerts.QualityFromRevision)
        {
            return;
        }

        WorkflowDefinition definition = run.Definition;
        RunTotals totals = run.Totals();
        var finished = new FinishedRun
        {
            Workflow = definition.Name,
            Version = definition.Version,
            InstanceId = context.InstanceId,
            Outcome = outcome,
            StartedAt = startedAt,
            FinishedAt = context.CurrentUtcDateTime,
            FailedStep = failure?.StepId,
            FailureReason = failure?.Reason,
            PromptTokens = totals.PromptTokens,
            CompletionTokens = totals.CompletionTokens,
            Cost = run.Timeline.Any(r => r.Cost is not null) ? totals.Cost : null,
            Models = run.Timeline
                .Where(r => r.Model is not null && r.Tokens is not null)
                .GroupBy(r => r.Model!, StringComparer.Ordinal)
                .Select(g => new ModelUse(
                    g.Key, g.Sum(r => r.Tokens!.Prompt), g.Sum(r => r.Tokens!.Completion),
                    g.Any(r => r.Cost is not null) ? g.Sum(r => r.Cost ?? 0) : null))
                .ToList(),
            ApprovalLatencies = run.Timeline.Where(r => r.Approval is not null).Select(r => r.Approval!.LatencySeconds).ToList(),
            EscalatedGates = run.Timeline.Count(r => r.Approval is { Escalations.Count: > 0 }),
            Gates = run.Timeline.Count(r => r.Approval is not null),
        };

        DoneRateAlert? declared = definition.Owner.Alerts is null ? null : definition.Owner.DoneRateAlert;
        DoneRate? rate;
        try
        {
            rate = await context.CallActivityAsync<DoneRate?>(nameof(RecordRunActivity), new RecordRunRequest(finished, declared), Retry);
        }
        catch (TaskFailedException)
        {
            return;
        }

        if (declared is not null && rate is not null && rate.Runs >= declared.MinRuns && rate.Share < declared.Below)
        {
            await OwnerAlerts.DoneRateLowAsync(context, run, rate, declared);
        }
    }
}
