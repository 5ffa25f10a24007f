using System.Text.Json.Nodes;
using StreamCanvas.Storage;

namespace StreamCanvas.Activities;

/// <summary>What a gate stores before it opens when its snapshot is too large for the run's status.</summary>
public sealed record SnapshotToStore(string InstanceId, string GateId, JsonObject Snapshot);

/// <summary>Stores a large approval snapshot beside the run, so approvers see all of it and the status stays small.</summary>
public sealed class StoreApprovalSnapshotActivity(ApprovalSnapshotStore store) : IDurableActivity<SnapshotToStore, bool>
{
    public async Task<bool> RunAsync(SnapshotToStore request, CancellationToken cancellationToken)
    {
        await store.SaveAsync(request.InstanceId, request.GateId, request.Snapshot, cancellationToken);
        return true;
    }
}
