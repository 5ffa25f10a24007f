using System.Text.Json.Nodes;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Configuration;

namespace StreamCanvas.Storage;

/// <summary>
/// Approval snapshots too large for a run's custom status (see Orchestration.RunStatusBudget), one blob per gate
/// opening in the app's storage account, read back wherever the open gate is shown.
/// </summary>
public sealed class ApprovalSnapshotStore(BlobContainerClient container)
{
    public const string ContainerName = "approval-snapshots";

    readonly CreateOnce create = new(ct => container.CreateIfNotExistsAsync(cancellationToken: ct));

    /// <summary>On AzureWebJobsStorage (see <see cref="StorageClients"/>).</summary>
    public static ApprovalSnapshotStore Create(IConfiguration configuration) =>
        new(StorageClients.Blobs(configuration).GetBlobContainerClient(ContainerName));

    /// <summary>Writes the snapshot; writing it again (an activity retried) leaves the same content.</summary>
    public async Task SaveAsync(string instanceId, string gateId, JsonObject snapshot, CancellationToken cancellationToken)
    {
        await EnsureContainerAsync(cancellationToken);
        await container.GetBlobClient(BlobName(instanceId, gateId))
            .UploadAsync(BinaryData.FromString(snapshot.ToJsonString()), overwrite: true, cancellationToken);
    }

    /// <summary>The stored snapshot, or null when there is none (never stored, or purged with its run).</summary>
    public async Task<JsonObject?> LoadAsync(string instanceId, string gateId, CancellationToken cancellationToken)
    {
        try
        {
            BlobDownloadResult blob = await container.GetBlobClient(BlobName(instanceId, gateId)).DownloadContentAsync(cancellationToken);
            return JsonNode.Parse(blob.Content.ToString())?.AsObject();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Deletes every snapshot of a run (its purge).</summary>
    public async Task DeleteRunAsync(string instanceId, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (BlobItem blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, RunPrefix(instanceId), cancellationToken))
            {
                await container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // no container yet: no run ever stored a snapshot
        }
    }

    // Escaped, so an instance id never reads as a path and no run's prefix is another run's.
    static string RunPrefix(string instanceId) => Uri.EscapeDataString(instanceId) + "/";

    static string BlobName(string instanceId, string gateId) => RunPrefix(instanceId) + Uri.EscapeDataString(gateId) + ".json";

    Task EnsureContainerAsync(CancellationToken cancellationToken) => create.EnsureAsync(cancellationToken);
}
