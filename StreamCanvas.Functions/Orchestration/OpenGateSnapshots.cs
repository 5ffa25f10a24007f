using StreamCanvas.Storage;

namespace StreamCanvas.Orchestration;

public static class OpenGateSnapshots
{
    /// <summary>The gate with its snapshot, read from the store when the gate stored it rather than carrying it.</summary>
    public static async Task<OpenGate> WithSnapshotAsync(this ApprovalSnapshotStore snapshots, string instanceId, OpenGate gate, CancellationToken cancellationToken) =>
        gate.SnapshotStored && gate.Snapshot is null
            ? gate with { Snapshot = await snapshots.LoadAsync(instanceId, gate.GateId, cancellationToken) }
            : gate;
}
