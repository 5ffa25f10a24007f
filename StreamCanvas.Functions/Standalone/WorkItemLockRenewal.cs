using System.Collections.Concurrent;
using DurableTask.Core;
using Microsoft.Extensions.Logging;

namespace StreamCanvas.Standalone;

/// <summary>
/// Keeps the queue messages of running activities invisible: every <c>interval</c> it renews the lock of each
/// activity work item it handed out, until the item is completed or abandoned. The
/// Azure Storage provider hides a dequeued message only for its visibility timeout, and the sidecar's dispatcher
/// (unlike DurableTask.Core's) never renews, so without this a call longer than the timeout would be delivered
/// to a second worker while the first still runs. With it, the timeout can be short (<see cref="LocalRecovery"/>):
/// it only matters once the host holding the lock has died.
/// A renewal in flight when the item is completed, abandoned or released is awaited before the call goes on:
/// renewing a queue message changes its pop receipt, so a renewal landing between the provider reading the
/// receipt and deleting the message makes the delete fail as "message gone", and the finished work item's
/// message would be delivered again once its (just renewed) visibility timeout ends.
/// Orchestration episodes are not renewed: they are short (the interpreter does no I/O), and the provider updates
/// their session's messages itself (it abandons a message that arrived out of order, with a short delay, while the
/// session is open), so a renewal racing it changed a receipt the provider still held: the abandon failed with
/// PopReceiptMismatch and the instance's session stayed open with its messages counted as duplicates, stuck (seen in
/// the host-kill test). An episode that outlives the visibility timeout is delivered again, and the provider's
/// history ETag check discards the second result.
/// </summary>
public sealed partial class WorkItemLockRenewal(IOrchestrationService inner, TimeSpan interval, TimeProvider clock, ILogger<WorkItemLockRenewal> logger)
    : OrchestrationServiceDecorator(inner)
{
    readonly ConcurrentDictionary<object, Renewal> renewals = new(ReferenceEqualityComparer.Instance);

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
        return await Inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);
    }

    public override async Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage)
    {
        await StopAsync(workItem);
        await Inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage);
    }

    public override async Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem)
    {
        await StopAsync(workItem);
        await Inner.AbandonTaskActivityWorkItemAsync(workItem);
    }

    public override async Task CompleteTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages, IList<TaskMessage> orchestratorMessages, IList<TaskMessage> timerMessages,
        TaskMessage continuedAsNewMessage, OrchestrationState orchestrationState)
    {
        await StopAsync(workItem);
        await Inner.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState);
    }

    public override async Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        await StopAsync(workItem);
        await Inner.AbandonTaskOrchestrationWorkItemAsync(workItem);
    }

    public override async Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        await StopAsync(workItem);
        await Inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);
    }

    void Renew(object workItem, string id, Func<Task> renew)
    {
        var stop = new CancellationTokenSource();
        Task loop = Task.Run(() => RenewUntilStoppedAsync(id, renew, stop.Token), CancellationToken.None);
        if (!renewals.TryAdd(workItem, new Renewal(stop, loop)))
        {
            // Already renewed (the same item handed out twice): this second loop is not needed.
            stop.Cancel();
            _ = loop.ContinueWith(_ => stop.Dispose(), TaskScheduler.Default);
        }
    }

    async Task RenewUntilStoppedAsync(string id, Func<Task> renew, CancellationToken stopped)
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
    }

    /// <summary>Ends the item's renewals and waits for one in flight, so no renewal overlaps what the caller does next.</summary>
    async Task StopAsync(object workItem)
    {
        if (!renewals.TryRemove(workItem, out Renewal? renewal))
        {
            return;
        }

        await renewal.Stop.CancelAsync();

        // The loop ends on cancellation and logs its own failures: it never faults.
        await renewal.Loop;
        renewal.Stop.Dispose();
    }

    /// <summary>One work item's renewals: how to stop them and the loop that runs them.</summary>
    sealed record Renewal(CancellationTokenSource Stop, Task Loop);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the lock of work item {WorkItemId}; trying again")]
    partial void LogRenewFailed(Exception exception, string workItemId);
}
