using Azure;
using Azure.Data.Tables;

namespace StreamCanvas.Storage;

/// <summary>
/// One owner alert per condition per window: the first delivery to claim a (workflow, condition, window) row sends
/// the alert; later ones in the window are counted, not sent. A delivery retried after a crash finds its own claim
/// and sends only if the first try never recorded the send.
/// </summary>
public interface IAlertClaims
{
    Task<AlertClaim> ClaimAsync(string workflow, string conditionKey, string claimant, CancellationToken cancellationToken);

    Task MarkDeliveredAsync(string workflow, string conditionKey, CancellationToken cancellationToken);
}

/// <param name="Send">This claimant sends the alert now.</param>
/// <param name="AlreadyDelivered">This claimant's alert went out before (a repeated delivery).</param>
public sealed record AlertClaim(bool Send, bool AlreadyDelivered);

/// <summary>Claims as rows of a table on the task hub's storage account, shared by every host.</summary>
public sealed class TableAlertClaims(TableClient table, TimeProvider clock) : IAlertClaims
{
    public const string TableName = "OwnerAlerts";
    readonly CreateOnce created = new(ct => table.CreateIfNotExistsAsync(ct));

    public async Task<AlertClaim> ClaimAsync(string workflow, string conditionKey, string claimant, CancellationToken cancellationToken)
    {
        await created.EnsureAsync(cancellationToken);
        string key = Uri.EscapeDataString(conditionKey);
        try
        {
            var row = new TableEntity(workflow, key) { ["ClaimedBy"] = claimant, ["ClaimedAt"] = clock.GetUtcNow(), ["Delivered"] = false, ["Suppressed"] = 0 };
            await table.AddEntityAsync(row, cancellationToken);
            return new AlertClaim(Send: true, AlreadyDelivered: false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
        }

        TableEntity claim = (await table.GetEntityAsync<TableEntity>(workflow, key, cancellationToken: cancellationToken)).Value;
        bool delivered = claim.GetBoolean("Delivered") ?? false;
        if (claim.GetString("ClaimedBy") == claimant)
        {
            return new AlertClaim(Send: !delivered, AlreadyDelivered: delivered);
        }

        await CountSuppressedAsync(claim, cancellationToken);
        return new AlertClaim(Send: false, AlreadyDelivered: false);
    }

    public async Task MarkDeliveredAsync(string workflow, string conditionKey, CancellationToken cancellationToken)
    {
        var update = new TableEntity(workflow, Uri.EscapeDataString(conditionKey)) { ["Delivered"] = true, ["DeliveredAt"] = clock.GetUtcNow() };
        await table.UpdateEntityAsync(update, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>Best effort: a lost race only undercounts the alerts the window held back.</summary>
    async Task CountSuppressedAsync(TableEntity claim, CancellationToken cancellationToken)
    {
        var update = new TableEntity(claim.PartitionKey, claim.RowKey) { ["Suppressed"] = (claim.GetInt32("Suppressed") ?? 0) + 1 };
        try
        {
            await table.UpdateEntityAsync(update, claim.ETag, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
        }
    }
}
