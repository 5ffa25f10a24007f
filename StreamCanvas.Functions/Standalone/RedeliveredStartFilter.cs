using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.Extensions.Logging;

namespace StreamCanvas.Standalone;

/// <summary>
/// Drops a redelivered ExecutionStarted message for an orchestration that has already started. A host killed after
/// checkpointing a run's first episode but before deleting its start message leaves that message to come back;
/// Durable Task's own dispatcher discards it, but the sidecar's dispatcher adds it to the history, fails with
/// "Multiple ExecutionStartedEvent found" and retries forever, stranding the run. The message still belongs to the
/// work item's batch, so the provider deletes it when the work item completes.
/// </summary>
public sealed partial class RedeliveredStartFilter(IOrchestrationService inner, ILogger<RedeliveredStartFilter> logger) : OrchestrationServiceDecorator(inner)
{
    public override async Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        TaskOrchestrationWorkItem workItem = await Inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);
        string? executionId = workItem?.OrchestrationRuntimeState?.ExecutionStartedEvent?.OrchestrationInstance?.ExecutionId;
        if (workItem?.NewMessages is { Count: > 0 } messages && executionId is not null)
        {
            var redelivered = messages.Where(m => m.Event is ExecutionStartedEvent started && started.OrchestrationInstance?.ExecutionId == executionId).ToList();
            if (redelivered.Count > 0)
            {
                LogDropped(workItem.InstanceId, redelivered.Count);
                workItem.NewMessages = messages.Except(redelivered).ToList();
            }
        }

        return workItem!;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {InstanceId}: dropped {Count} redelivered start message(s); the run had already started")]
    partial void LogDropped(string instanceId, int count);
}
