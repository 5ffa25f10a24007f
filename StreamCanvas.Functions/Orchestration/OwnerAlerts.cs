using Microsoft.DurableTask;
using StreamCanvas.Activities.Alerts;

namespace StreamCanvas.Orchestration;

/// <summary>Part of the interpreter: tells a workflow's owner (owner.alerts) about a failed run, from durable work.</summary>
internal static class OwnerAlerts
{
    /// <summary>The engine revision from which failed runs alert their owner (older runs replay without it).</summary>
    public const int FromRevision = 3;

    // A webhook that is briefly down gets the alert later; durable retries survive a host restart.
    static readonly TaskOptions Delivery = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(5), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(5)));

    public static async Task RunFailedAsync(TaskOrchestrationContext context, RunState run, WorkflowFailedException failure)
    {
        if (run.EngineRevision < FromRevision || run.Definition.Owner.Alerts is not { } channel)
        {
            return;
        }

        var alert = new OwnerAlert(
            run.Definition.Name, run.Definition.Version, context.InstanceId, channel, AlertConditions.RunFailed,
            context.CurrentUtcDateTime, failure.StepId, failure.Reason, failure.Detail);
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
