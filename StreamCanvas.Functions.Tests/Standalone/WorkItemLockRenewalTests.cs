using System.Collections.Concurrent;
using DurableTask.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using StreamCanvas.Standalone;

namespace StreamCanvas.Tests.Standalone;

/// <summary>A running work item's messages stay hidden however long it runs, and renewals stop once it is done.</summary>
public sealed class WorkItemLockRenewalTests
{
    static readonly TimeSpan Interval = TimeSpan.FromSeconds(6);

    readonly FakeTimeProvider clock = new();
    readonly Mock<IOrchestrationService> inner = new();
    int activityRenewals;
    int orchestrationRenewals;

    public WorkItemLockRenewalTests()
    {
        inner.Setup(s => s.LockNextTaskActivityWorkItem(It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => new TaskActivityWorkItem { Id = Guid.NewGuid().ToString() });
        inner.Setup(s => s.RenewTaskActivityWorkItemLockAsync(It.IsAny<TaskActivityWorkItem>()))
            .Returns((TaskActivityWorkItem item) => { Interlocked.Increment(ref activityRenewals); return Task.FromResult(item); });
        inner.Setup(s => s.LockNextTaskOrchestrationWorkItemAsync(It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => new TaskOrchestrationWorkItem { InstanceId = "wf:1" });
        inner.Setup(s => s.RenewTaskOrchestrationWorkItemLockAsync(It.IsAny<TaskOrchestrationWorkItem>()))
            .Returns(() => { Interlocked.Increment(ref orchestrationRenewals); return Task.CompletedTask; });
    }

    WorkItemLockRenewal Renewal() => new(inner.Object, Interval, clock, NullLogger<WorkItemLockRenewal>.Instance);

    /// <summary>
    /// Moves the fake clock an interval at a time until <paramref name="renewals"/> reaches <paramref name="expected"/>
    /// (the renewal loop registers its next wait asynchronously, so one step can land before it).
    /// </summary>
    async Task AdvanceUntilAsync(Func<int> renewals, int expected)
    {
        for (int steps = 0; renewals() < expected && steps < 3000; steps++)
        {
            clock.Advance(Interval);
            await Task.Delay(10);
        }
    }

    async Task AdvanceManyAsync(int intervals)
    {
        for (int i = 0; i < intervals; i++)
        {
            clock.Advance(Interval);
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task LongActivity_IsRenewedEveryInterval_UntilCompleted()
    {
        WorkItemLockRenewal renewal = Renewal();
        TaskActivityWorkItem item = await renewal.LockNextTaskActivityWorkItem(TimeSpan.FromSeconds(1), CancellationToken.None);

        await AdvanceUntilAsync(() => Volatile.Read(ref activityRenewals), 3);
        Assert.True(Volatile.Read(ref activityRenewals) >= 3);

        await renewal.CompleteTaskActivityWorkItemAsync(item, new TaskMessage());
        Assert.Equal(0, renewal.Renewing);
        await Task.Delay(100);
        int renewed = Volatile.Read(ref activityRenewals);
        await AdvanceManyAsync(5);
        Assert.Equal(renewed, Volatile.Read(ref activityRenewals));
        inner.Verify(s => s.CompleteTaskActivityWorkItemAsync(item, It.IsAny<TaskMessage>()), Times.Once);
    }

    [Fact]
    public async Task AbandonedActivity_StopsRenewing()
    {
        WorkItemLockRenewal renewal = Renewal();
        TaskActivityWorkItem item = await renewal.LockNextTaskActivityWorkItem(TimeSpan.FromSeconds(1), CancellationToken.None);

        await renewal.AbandonTaskActivityWorkItemAsync(item);

        Assert.Equal(0, renewal.Renewing);
        inner.Verify(s => s.AbandonTaskActivityWorkItemAsync(item), Times.Once);
    }

    [Fact]
    public async Task OrchestrationEpisode_IsNotRenewed_TheProviderKeepsItsSessionMessages()
    {
        WorkItemLockRenewal renewal = Renewal();
        TaskOrchestrationWorkItem item = await renewal.LockNextTaskOrchestrationWorkItemAsync(TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.Equal(0, renewal.Renewing);
        clock.Advance(Interval * 5);
        await Task.Yield();
        await renewal.ReleaseTaskOrchestrationWorkItemAsync(item);

        Assert.Equal(0, Volatile.Read(ref orchestrationRenewals));
        inner.Verify(s => s.ReleaseTaskOrchestrationWorkItemAsync(item), Times.Once);
    }

    [Fact]
    public async Task RenewalFailure_IsRetriedOnTheNextInterval()
    {
        int attempts = 0;
        inner.Setup(s => s.RenewTaskActivityWorkItemLockAsync(It.IsAny<TaskActivityWorkItem>()))
            .Returns((TaskActivityWorkItem item) => Interlocked.Increment(ref attempts) == 1
                ? Task.FromException<TaskActivityWorkItem>(new InvalidOperationException("storage down"))
                : Task.FromResult(item));
        WorkItemLockRenewal renewal = Renewal();
        TaskActivityWorkItem item = await renewal.LockNextTaskActivityWorkItem(TimeSpan.FromSeconds(1), CancellationToken.None);

        await AdvanceUntilAsync(() => Volatile.Read(ref attempts), 2);

        Assert.True(Volatile.Read(ref attempts) >= 2);
        await renewal.CompleteTaskActivityWorkItemAsync(item, new TaskMessage());
    }

    /// <summary>
    /// A renewal changes the message's pop receipt: one landing while the provider deletes the finished item's message
    /// makes the delete miss, and the message comes back. Completing therefore waits for a renewal in flight.
    /// </summary>
    [Fact]
    public async Task CompletedWhileARenewalIsInFlight_CompletesOnlyAfterTheRenewal()
    {
        var renewing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var order = new ConcurrentQueue<string>();
        inner.Setup(s => s.RenewTaskActivityWorkItemLockAsync(It.IsAny<TaskActivityWorkItem>()))
            .Returns(async (TaskActivityWorkItem item) =>
            {
                renewing.TrySetResult();
                await release.Task;
                order.Enqueue("renewed");
                return item;
            });
        inner.Setup(s => s.CompleteTaskActivityWorkItemAsync(It.IsAny<TaskActivityWorkItem>(), It.IsAny<TaskMessage>()))
            .Returns(() =>
            {
                order.Enqueue("completed");
                return Task.CompletedTask;
            });
        WorkItemLockRenewal renewal = Renewal();
        TaskActivityWorkItem item = await renewal.LockNextTaskActivityWorkItem(TimeSpan.FromSeconds(1), CancellationToken.None);
        await AdvanceUntilAsync(() => renewing.Task.IsCompleted ? 1 : 0, 1);
        Assert.True(renewing.Task.IsCompleted);

        Task completing = renewal.CompleteTaskActivityWorkItemAsync(item, new TaskMessage());

        Assert.False(completing.IsCompleted);
        Assert.Empty(order);
        release.SetResult();
        await completing.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(["renewed", "completed"], order);
        Assert.Equal(0, renewal.Renewing);
    }
}
