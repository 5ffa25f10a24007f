using System.Collections.Concurrent;
using DurableTask.Core;
using Microsoft.Extensions.Logging;

namespace StreamCanvas.Standalone;

/// <summary>
/// Keeps the queue messages of running work items invisible: every <c>interval</c> it renews the lock of each
/// activity and orchestration work item it handed out, until the item is completed, abandoned or released. The
/// Azure Storage provider hides a dequeued message only for its visibility timeout, and the sidecar's dispatcher
/// (unlike DurableTask.Core's) never renews, so without this a call longer than the timeout would be delivered
/// to a second worker while the first still runs. With it, the timeout can be short (<see cref="LocalRecovery"/>):
/// it only matters once the host holding the lock has died.
/// </summary>
public sealed partial class WorkItemLockRenewal(IOrchestrationService inner, TimeSpan interval, TimeProvider clock, ILogger<WorkItemLockRenewal> logger)
    : OrchestrationServiceDecorator(inner)
{
    readonly ConcurrentDictionary<object, CancellationTokenSource> renewals = new(ReferenceEqualityComparer.Instance);

    /// <summary>Work items whose locks are being renewed now.</summary>
    public int Renewing => renewals.Count;

    public override async Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        TaskActivityWorkItem workItem = await Inner.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken);
        if (workItem is not null)
        {
            Renew(workItem, workItem.Id, () => Inner.RenewTaskActivityWorkItemLockAsync(workItem));
        }

        return workItem!;
    }

    public override async Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        TaskOrchestrationWorkItem workItem = await Inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);
        if (workItem is not null)
        {
            Renew(workItem, workItem.InstanceId, () => Inner.RenewTaskOrchestrationWorkItemLockAsync(workItem));
        }

        return workItem!;
    }

    public override Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage)
    {
        Stop(workItem);
        return Inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage);
    }

    public override Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem)
    {
        Stop(workItem);
        return Inner.AbandonTaskActivityWorkItemAsync(workItem);
    }

    public override Task CompleteTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages, IList<TaskMessage> orchestratorMessages, IList<TaskMessage> timerMessages,
        TaskMessage continuedAsNewMessage, OrchestrationState orchestrationState)
    {
        Stop(workItem);
        return Inner.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState);
    }

    public override Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        Stop(workItem);
        return Inner.AbandonTaskOrchestrationWorkItemAsync(workItem);
    }

    public override Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        Stop(workItem);
        return Inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);
    }

    void Renew(object workItem, string id, Func<Task> renew)
    {
        var stop = new CancellationTokenSource();
        if (!renewals.TryAdd(workItem, stop))
        {
            stop.Dispose();
            return;
        }

        CancellationToken stopped = stop.Token;
        _ = Task.Run(async () =>
        {
            while (!stopped.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(interval, clock, stopped);
                    await renew();
                }
                catch (OperationCanceledException) when (stopped.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    // Storage down for a moment: the next renewal may still come in time.
                    LogRenewFailed(ex, id);
                }
            }
        }, CancellationToken.None);
    }

    void Stop(object workItem)
    {
        if (renewals.TryRemove(workItem, out CancellationTokenSource? stop))
        {
            stop.Cancel();
            stop.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the lock of work item {WorkItemId}; trying again")]
    partial void LogRenewFailed(Exception exception, string workItemId);
}
