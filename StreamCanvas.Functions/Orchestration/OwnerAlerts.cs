using Microsoft.DurableTask;
using StreamCanvas.Activities.Alerts;
using StreamCanvas.Activities.Records;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

/// <summary>
/// Part of the interpreter: tells a workflow's owner (owner.alerts) about a failed run or an approval left to its
/// last level or its timeout, from durable work (the activity rate-limits per condition and window).
/// </summary>
internal static class OwnerAlerts
{
    /// <summary>The engine revision from which runs alert their owner (older runs replay without it).</summary>
    public const int FromRevision = 3;

    // A webhook that is briefly down gets the alert later; durable retries survive a host restart.
    static readonly TaskOptions Delivery = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(5), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(5)));

    public static Task RunFailedAsync(TaskOrchestrationContext context, RunState run, WorkflowFailedException failure) =>
        SendAsync(context, run, AlertConditions.RunFailed, failure.StepId, failure.Reason, failure.Detail);

    /// <summary>An approval reached its last escalation level: the next timeout decides without a person.</summary>
    public static Task LastLevelAsync(TaskOrchestrationContext context, RunState run, string gateStep, string level) =>
        SendAsync(context, run, AlertConditions.ApprovalEscalated, gateStep, null, $"approval '{gateStep}' escalated to its last level, {level}");

    /// <summary>An approval's last level timed out and its onTimeout decided (a timeout that fails the run alerts as a failure).</summary>
    public static Task TimedOutAsync(TaskOrchestrationContext context, RunState run, string gateStep, string decided) =>
        SendAsync(context, run, AlertConditions.ApprovalTimedOut, gateStep, FailureReasons.ApprovalTimeout, $"approval '{gateStep}' had no decision; onTimeout {decided} it");

    /// <summary>From this share of the daily token or cost budget (the tighter one) on, the owner hears about it (once a day, and again at 100 %).</summary>
    public const double BudgetWarningShare = 0.8;

    /// <summary>The first revision that alerts on the daily budget and the definition-of-done pass rate.</summary>
    public const int QualityFromRevision = 4;

    public static Task DailyBudgetAsync(TaskOrchestrationContext context, RunState run, string stepId, double share)
    {
        if (run.EngineRevision < QualityFromRevision)
        {
            return Task.CompletedTask;
        }

        Activities.Models.DailyBudgetLimits? limits = Activities.Models.DailyBudgetLimits.Of(run.Definition.Budgets);
        return share >= 1
            ? SendAsync(context, run, AlertConditions.DailyBudgetExhausted, stepId, FailureReasons.BudgetExceeded,
                $"the daily budget of {limits} is used up; model calls fail with budget-exceeded until 00:00 UTC")
            : SendAsync(context, run, AlertConditions.DailyBudgetWarning, stepId, null,
                $"{Math.Floor(share * 100)} % of the daily budget of {limits} is used");
    }

    /// <summary>The definition-of-done pass rate fell below owner.doneRateAlert.below over its window.</summary>
    public static Task DoneRateLowAsync(TaskOrchestrationContext context, RunState run, DoneRate rate, DoneRateAlert declared) =>
        SendAsync(context, run, AlertConditions.DoneRateLow, null, null,
            $"definition of done met by {rate.Passed} of {rate.Runs} runs in the last {declared.WindowHours} h ({Math.Round(rate.Share * 100)} %), below the declared {Math.Round(declared.Below * 100)} %");

    static async Task SendAsync(TaskOrchestrationContext context, RunState run, string condition, string? stepId, string? reason, string message)
    {
        if (run.EngineRevision < FromRevision || run.Definition.Owner.Alerts is not { } channel)
        {
            return;
        }

        var alert = new OwnerAlert(
            run.Definition.Name, run.Definition.Version, context.InstanceId, channel, condition,
            context.CurrentUtcDateTime, stepId, reason, message);
        try
        {
            await context.CallActivityAsync<bool>(nameof(AlertOwnerActivity), alert, Delivery);
        }
        catch (TaskFailedException)
        {
            // The channel stayed down through every retry: the run's own failure stands, and the activity logged it.
        }
    }
}
