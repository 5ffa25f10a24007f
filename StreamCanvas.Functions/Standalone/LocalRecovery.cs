namespace StreamCanvas.Standalone;

/// <summary>
/// The standalone host's Azure Storage provider timings, chosen so runs interrupted by a crash resume within 30 s
/// of the restart. After a kill, a run waits for (a) the queue messages the dead host had dequeued to become
/// visible again (the visibility timeout, counted from its last renewal) and (b) the dead host's partition
/// leases to expire (the lease interval) before the new host acquires them (polled every acquire interval).
/// (a) and (b) run concurrently from the kill: max(20, 15) + 5 + 1 s queue polling ≈ 26 s in the worst case.
/// A short visibility timeout is safe only because <see cref="WorkItemLockRenewal"/> keeps renewing the messages
/// of work items still running (a three-minute model call is not delivered again after 20 s); the sidecar's own
/// dispatcher never renews. Durable Functions' defaults (5 min visibility, 30 s leases) fit Azure, where host
/// restarts are rare and storage transactions cost money: host.json keeps them for the Functions host, and a
/// standalone deployment in Azure can set the DurableTask__* settings to them.
/// </summary>
public static class LocalRecovery
{
    public const int VisibilityTimeoutSeconds = 20;
    public const int LeaseIntervalSeconds = 15;
    public const int LeaseRenewIntervalSeconds = 5;
    public const int LeaseAcquireIntervalSeconds = 5;
}
