using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace StreamCanvas.Storage;

/// <summary>The limits one model deployment allows: calls in flight, and requests and tokens per window.</summary>
/// <param name="Window">The length of the counting window (the provider's quota is per minute, enforced over seconds).</param>
public sealed record QuotaLimits(int? MaxConcurrentCalls, int? RequestsPerWindow, int? TokensPerWindow, TimeSpan Window, TimeSpan Lease);

/// <summary>A slot for one model call (<see cref="LeaseId"/> set), or how long to wait before asking again.</summary>
public sealed record QuotaGrant(string Key, string? LeaseId, long WindowStartTicks, TimeSpan RetryAfter)
{
    public bool Granted => LeaseId is not null;
}

/// <summary>Model call slots and windowed counts per deployment, shared by every host on the storage account.</summary>
public interface IModelQuotaStore
{
    /// <summary>Takes a slot for a call that may use <paramref name="tokens"/>, if the limits allow it now.</summary>
    Task<QuotaGrant> TryAcquireAsync(string key, QuotaLimits limits, int tokens, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Gives the slot back and corrects the window's tokens by what the call really used (negative gives back).</summary>
    Task ReleaseAsync(QuotaGrant grant, int tokenCorrection, CancellationToken cancellationToken);
}

/// <summary>
/// One Azure Table row per deployment: the current window's request and token counts and the leases of the calls in
/// flight, updated with optimistic concurrency (ETags) like <see cref="TableTokenLedger"/>. A lease expires on its
/// own, so a host that dies mid-call holds its slot only until then.
/// </summary>
public sealed class TableModelQuotaStore(TableServiceClient tables) : IModelQuotaStore
{
    public const string TableName = "ModelQuota";
    const string RowKey = "quota";
    const int AcquireAttempts = 8;
    const int ReleaseAttempts = 100;
    static readonly TimeSpan ContendedRetry = TimeSpan.FromMilliseconds(200);
    readonly Lazy<Task<TableClient>> table = new(async () =>
    {
        TableClient client = tables.GetTableClient(TableName);
        await client.CreateIfNotExistsAsync();
        return client;
    });

    public async Task<QuotaGrant> TryAcquireAsync(string key, QuotaLimits limits, int tokens, DateTimeOffset now, CancellationToken cancellationToken)
    {
        QuotaGrant? grant = null;
        bool decided = await UpdateAsync(key, AcquireAttempts, row =>
        {
            long windowStart = now.UtcTicks - (now.UtcTicks % limits.Window.Ticks);
            if (row.WindowStart != windowStart)
            {
                row = row with { WindowStart = windowStart, Requests = 0, Tokens = 0 };
            }

            Dictionary<string, long> leases = row.Leases.Where(l => l.Value > now.UtcTicks).ToDictionary();
            TimeSpan untilNextWindow = TimeSpan.FromTicks(windowStart + limits.Window.Ticks - now.UtcTicks);
            TimeSpan? wait =
                limits.RequestsPerWindow is int requests && row.Requests + 1 > requests ? untilNextWindow
                : limits.TokensPerWindow is int budget && row.Tokens > 0 && row.Tokens + tokens > budget ? untilNextWindow
                : limits.MaxConcurrentCalls is int calls && leases.Count >= calls ? TimeSpan.FromTicks(Math.Min(leases.Values.Min() - now.UtcTicks, TimeSpan.TicksPerSecond / 4))
                : null;
            if (wait is TimeSpan later)
            {
                grant = new QuotaGrant(key, null, windowStart, later);
                return null;
            }

            string lease = Guid.NewGuid().ToString("N")[..12];
            leases[lease] = (now + limits.Lease).UtcTicks;
            grant = new QuotaGrant(key, lease, windowStart, TimeSpan.Zero);
            return row with { Requests = row.Requests + 1, Tokens = row.Tokens + tokens, Leases = leases };
        }, cancellationToken);

        // Many hosts wrote the row at once: as good as no room; ask again shortly.
        return decided ? grant! : new QuotaGrant(key, null, 0, ContendedRetry);
    }

    public Task ReleaseAsync(QuotaGrant grant, int tokenCorrection, CancellationToken cancellationToken) =>
        UpdateAsync(grant.Key, ReleaseAttempts, row =>
        {
            if (!row.Leases.ContainsKey(grant.LeaseId!) && (tokenCorrection == 0 || row.WindowStart != grant.WindowStartTicks))
            {
                return null;
            }

            Dictionary<string, long> leases = row.Leases.Where(l => l.Key != grant.LeaseId).ToDictionary();
            long tokens = row.WindowStart == grant.WindowStartTicks ? Math.Max(0, row.Tokens + tokenCorrection) : row.Tokens;
            return row with { Tokens = tokens, Leases = leases };
        }, cancellationToken);

    /// <summary>
    /// Read, change, write with the row's ETag; on a concurrent write, read again after a short random pause. A null
    /// change writes nothing. False when other writers won <paramref name="attempts"/> times in a row.
    /// </summary>
    async Task<bool> UpdateAsync(string key, int attempts, Func<QuotaRow, QuotaRow?> change, CancellationToken cancellationToken)
    {
        TableClient client = await table.Value;
        for (int attempt = 1; ; attempt++)
        {
            NullableResponse<TableEntity> existing = await client.GetEntityIfExistsAsync<TableEntity>(key, RowKey, cancellationToken: cancellationToken);
            QuotaRow current = existing.HasValue ? QuotaRow.From(existing.Value!) : QuotaRow.Empty;
            if (change(current) is not QuotaRow next)
            {
                return true;
            }

            try
            {
                TableEntity entity = next.ToEntity(key);
                if (existing.HasValue)
                {
                    await client.UpdateEntityAsync(entity, existing.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                }
                else
                {
                    await client.AddEntityAsync(entity, cancellationToken);
                }

                return true;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another host changed the row first; read its counts and decide again.
                if (attempt >= attempts)
                {
                    return false;
                }

                await Task.Delay(Random.Shared.Next(5, 25 * Math.Min(attempt, 8)), cancellationToken);
            }
        }
    }

    /// <summary>The row's fields; leases are "id=expiryTicks" pairs separated by ';' (one string property).</summary>
    sealed record QuotaRow(long WindowStart, long Requests, long Tokens, IReadOnlyDictionary<string, long> Leases)
    {
        public static readonly QuotaRow Empty = new(0, 0, 0, new Dictionary<string, long>());

        public static QuotaRow From(TableEntity entity) => new(
            entity.GetInt64(nameof(WindowStart)) ?? 0,
            entity.GetInt64(nameof(Requests)) ?? 0,
            entity.GetInt64(nameof(Tokens)) ?? 0,
            (entity.GetString(nameof(Leases)) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries)
                .Select(pair => pair.Split('='))
                .ToDictionary(pair => pair[0], pair => long.Parse(pair[1], CultureInfo.InvariantCulture)));

        public TableEntity ToEntity(string key) => new(key, RowKey)
        {
            [nameof(WindowStart)] = WindowStart,
            [nameof(Requests)] = Requests,
            [nameof(Tokens)] = Tokens,
            [nameof(Leases)] = string.Join(';', Leases.Select(l => $"{l.Key}={l.Value.ToString(CultureInfo.InvariantCulture)}")),
        };
    }
}
