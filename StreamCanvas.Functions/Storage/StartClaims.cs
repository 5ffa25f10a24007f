using Azure;
using Azure.Data.Tables;
using StreamCanvas.Definitions;

namespace StreamCanvas.Storage;

/// <summary>
/// Who may schedule a run with a given id. The Azure Storage provider's duplicate check and its write of the start
/// are not one atomic step, so two starts of one id in flight together (a retried request while storage is slow,
/// a queue message delivered twice) could both pass it. Adding a row first is atomic: one start wins the claim and
/// schedules; the others wait for its run to appear.
/// </summary>
public interface IStartClaims
{
    /// <summary>True when this caller may schedule the run: it claimed the id, or took over a claim left too long without a run.</summary>
    Task<bool> TryClaimAsync(string instanceId, TimeSpan staleAfter, CancellationToken cancellationToken);

    /// <summary>Deletes the claim: once the run exists (its start is what the claim guarded) or when the run is purged.</summary>
    Task ForgetAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>
    /// Retention: deletes at most <paramref name="max"/> claims taken before <paramref name="cutoff"/>, left by starts
    /// that died between claiming and scheduling; returns how many it deleted.
    /// </summary>
    Task<int> DeleteClaimedBeforeAsync(DateTimeOffset cutoff, int max, CancellationToken cancellationToken);
}

/// <summary>Claims as rows of a table on the task hub's storage account, shared by every host.</summary>
public sealed class TableStartClaims(TableClient table, TimeProvider clock) : IStartClaims
{
    public const string TableName = "RunStarts";
    static readonly string[] KeysAndClaimedAt = ["PartitionKey", "RowKey", "ClaimedAt"];
    readonly Lazy<Task> created = new(() => table.CreateIfNotExistsAsync());

    public async Task<bool> TryClaimAsync(string instanceId, TimeSpan staleAfter, CancellationToken cancellationToken)
    {
        await created.Value;
        string workflow = RunIds.WorkflowOf(instanceId);
        string key = Uri.EscapeDataString(instanceId);
        try
        {
            await table.AddEntityAsync(new TableEntity(workflow, key) { ["ClaimedAt"] = clock.GetUtcNow() }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
        }

        // Claimed before: take it over only if the claimant left it long enough ago to have failed, and only one
        // taker wins (the update is conditional on the row's ETag).
        TableEntity claim = (await table.GetEntityAsync<TableEntity>(workflow, key, cancellationToken: cancellationToken)).Value;
        if (clock.GetUtcNow() - (claim.GetDateTimeOffset("ClaimedAt") ?? DateTimeOffset.MinValue) < staleAfter)
        {
            return false;
        }

        try
        {
            claim["ClaimedAt"] = clock.GetUtcNow();
            await table.UpdateEntityAsync(claim, claim.ETag, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return false;
        }
    }

    public async Task ForgetAsync(string instanceId, CancellationToken cancellationToken)
    {
        await created.Value;
        try
        {
            await table.DeleteEntityAsync(RunIds.WorkflowOf(instanceId), Uri.EscapeDataString(instanceId), ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // never claimed here, or already forgotten
        }
    }

    public async Task<int> DeleteClaimedBeforeAsync(DateTimeOffset cutoff, int max, CancellationToken cancellationToken)
    {
        await created.Value;
        int deleted = 0;
        await foreach (TableEntity claim in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"ClaimedAt lt {cutoff}"), select: KeysAndClaimedAt, cancellationToken: cancellationToken))
        {
            if (deleted == max)
            {
                break;
            }

            try
            {
                // Conditional: a claim taken over since it was read is live again and stays.
                await table.DeleteEntityAsync(claim.PartitionKey, claim.RowKey, claim.ETag, cancellationToken);
                deleted++;
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
                // forgotten or taken over meanwhile
            }
        }

        return deleted;
    }
}
