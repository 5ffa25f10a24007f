using Azure;
using Azure.Data.Tables;

namespace StreamCanvas.Storage;

/// <summary>Tokens used per workflow per UTC day, shared by every host on the storage account.</summary>
public interface ITokenLedger
{
    /// <summary>Reserves <paramref name="tokens"/> if the day's total stays within <paramref name="limit"/>; false otherwise.</summary>
    Task<bool> TryReserveAsync(string workflow, DateOnly day, int tokens, int limit, CancellationToken cancellationToken);

    /// <summary>Corrects a reservation by what the call really used (negative gives tokens back).</summary>
    Task AdjustAsync(string workflow, DateOnly day, int delta, CancellationToken cancellationToken);

    Task<long> UsedAsync(string workflow, DateOnly day, CancellationToken cancellationToken);
}

/// <summary>An Azure Table row per workflow and day, updated with optimistic concurrency (ETags).</summary>
public sealed class TableTokenLedger(TableServiceClient tables) : ITokenLedger
{
    public const string TableName = "TokenUsage";
    readonly Lazy<Task<TableClient>> table = new(async () =>
    {
        TableClient client = tables.GetTableClient(TableName);
        await client.CreateIfNotExistsAsync();
        return client;
    });

    public Task<bool> TryReserveAsync(string workflow, DateOnly day, int tokens, int limit, CancellationToken cancellationToken) =>
        UpdateAsync(workflow, day, used => used + tokens <= limit ? used + tokens : null, cancellationToken);

    public Task AdjustAsync(string workflow, DateOnly day, int delta, CancellationToken cancellationToken) =>
        UpdateAsync(workflow, day, used => Math.Max(0, used + delta), cancellationToken);

    public async Task<long> UsedAsync(string workflow, DateOnly day, CancellationToken cancellationToken)
    {
        TableClient client = await table.Value;
        NullableResponse<TableEntity> row = await client.GetEntityIfExistsAsync<TableEntity>(workflow, Key(day), cancellationToken: cancellationToken);
        return row.HasValue ? row.Value!.GetInt64("Tokens") ?? 0 : 0;
    }

    /// <summary>Read, change, write with the row's ETag; on a concurrent write, read again.</summary>
    async Task<bool> UpdateAsync(string workflow, DateOnly day, Func<long, long?> change, CancellationToken cancellationToken)
    {
        TableClient client = await table.Value;
        for (int attempt = 0; ; attempt++)
        {
            NullableResponse<TableEntity> row = await client.GetEntityIfExistsAsync<TableEntity>(workflow, Key(day), cancellationToken: cancellationToken);
            long used = row.HasValue ? row.Value!.GetInt64("Tokens") ?? 0 : 0;
            if (change(used) is not long next)
            {
                return false;
            }

            var entity = new TableEntity(workflow, Key(day)) { ["Tokens"] = next };
            try
            {
                if (row.HasValue)
                {
                    await client.UpdateEntityAsync(entity, row.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                }
                else
                {
                    await client.AddEntityAsync(entity, cancellationToken);
                }

                return true;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < 20)
            {
                // Another host updated the row first; read its value and try again.
            }
        }
    }

    static string Key(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
