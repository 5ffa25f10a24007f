using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamCanvas.Definitions;

namespace StreamCanvas.Schedules;

/// <summary>
/// Makes sure each scheduled workflow has its <see cref="ScheduleOrchestrator"/> loop on the task hub, once per
/// host start. Loops already running are told to re-read their schedule (a redeploy may have changed or removed it);
/// a loop is one instance per workflow with a fixed id, so hosts starting together create it once.
/// </summary>
public sealed partial class ScheduleLoops(WorkflowCatalog catalog, IOptions<ScheduleOptions> options, ILogger<ScheduleLoops> logger)
{
    static readonly OrchestrationRuntimeStatus[] Live =
        [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Suspended];

    /// <summary>Returns the ids of the loops it started.</summary>
    public async Task<IReadOnlyList<string>> EnsureAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        var query = new OrchestrationQuery { InstanceIdPrefix = ScheduleOrchestrator.InstanceIdPrefix, Statuses = Live };
        await foreach (OrchestrationMetadata loop in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            live.Add(loop.InstanceId);
            await client.RaiseEventAsync(loop.InstanceId, ScheduleOrchestrator.RefreshEvent, true, cancellationToken);
        }

        if (!options.Value.Enabled)
        {
            // The loops told to refresh above read no schedule and end.
            return [];
        }

        var started = new List<string>();
        foreach (LoadedWorkflow workflow in catalog.All.Where(w => w.Definition.Schedule is not null))
        {
            string id = ScheduleOrchestrator.InstanceIdFor(workflow.Name);
            if (live.Contains(id))
            {
                continue;
            }

            try
            {
                await client.ScheduleNewOrchestrationInstanceAsync(nameof(ScheduleOrchestrator), new ScheduleLoop(workflow.Name, null),
                    new StartOrchestrationOptions(id), cancellationToken);
                started.Add(id);
                LogStarted(workflow.Name, id);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Another host started the same loop meanwhile: one loop, as intended. Anything else is a failure.
                if (!await IsLiveAsync(client, id, cancellationToken))
                {
                    throw;
                }
            }
        }

        return started;
    }

    static async Task<bool> IsLiveAsync(DurableTaskClient client, string id, CancellationToken cancellationToken) =>
        await client.GetInstanceAsync(id, cancellationToken) is { } loop && Live.Contains(loop.RuntimeStatus);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule of {Workflow}: started its loop {InstanceId}")]
    partial void LogStarted(string workflow, string instanceId);
}
