using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace StreamCanvas.Storage;

/// <summary>The limits one model deployment allows: calls in flight, and requests and tokens per window.</summary>
/// <param name="Window">The length of the sliding counting window (the provider's quota is per minute, enforced over seconds).</param>
public sealed record QuotaLimits(int? MaxConcurrentCalls, int? RequestsPerWindow, int? TokensPerWindow, TimeSpan Window, TimeSpan Lease);

/// <summary>A slot for one model call (<see cref="LeaseId"/> set), or how long to wait before asking again.</summary>
public sealed record QuotaGrant(string Key, string? LeaseId, TimeSpan RetryAfter)
{
    public bool Granted => LeaseId is not null;
}

/// <summary>Model call slots and sliding-window counts per deployment, shared by every host on the storage account.</summary>
public interface IModelQuotaStore
{
    /// <summary>Takes a slot for a call that may use <paramref name="tokens"/>, if the limits allow it now.</summary>
    Task<QuotaGrant> TryAcquireAsync(string key, QuotaLimits limits, int tokens, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Gives the slot back and corrects the call's tokens by what it really used (negative gives back).</summary>
    Task ReleaseAsync(QuotaGrant grant, int tokenCorrection, CancellationToken cancellationToken);
}

/// <summary>
/// One Azure Table row per deployment: a log of the calls granted within the last window (when, and their tokens) and
/// the leases of the calls in flight, updated with optimistic concurrency (ETags) like <see cref="TableTokenLedger"/>.
/// The log makes the window slide exactly: fixed windows let a window's share through at the end of one and again at
/// the start of the next, twice the limit within one window's length, which a deployment answers with 429s. A lease
/// expires on its own, so a host that dies mid-call holds its slot only until then.
/// </summary>
public sealed class TableModelQuotaStore(TableServiceClient tables) : IModelQuotaStore
{
    public const string TableName = "ModelQuota";
    const string RowKey = "quota";
    const int AcquireAttempts = 8;
    const int ReleaseAttempts = 100;

    /// <summary>
    /// Most log entries kept in the row (a string property holds 32K characters); past it the oldest are merged into
    /// one counted at the latest of their times, which counts them for longer than they were: stricter, never looser.
    /// </summary>
    const int MaxLogEntries = 700;

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
            long since = now.UtcTicks - limits.Window.Ticks;
            List<Granted> log = [.. row.Log.Where(g => g.AtTicks > since)];
            Dictionary<string, long> leases = row.Leases.Where(l => l.Value > now.UtcTicks).ToDictionary();
            long? freeAt =
                limits.RequestsPerWindow is int requests ? FreeAt(log, requests, g => g.Calls, 1) : null;
            freeAt = Later(freeAt, limits.TokensPerWindow is int budget ? FreeAt(log, budget, g => g.Tokens, tokens) : null);
            TimeSpan? wait = freeAt is long at ? TimeSpan.FromTicks(Math.Max(1, at + limits.Window.Ticks - now.UtcTicks)) : null;
            wait ??= limits.MaxConcurrentCalls is int calls && leases.Count >= calls
                ? TimeSpan.FromTicks(Math.Min(leases.Values.Min() - now.UtcTicks, TimeSpan.TicksPerSecond / 4))
                : null;
            if (wait is TimeSpan later)
            {
                grant = new QuotaGrant(key, null, later);
                return null;
            }

            string lease = Guid.NewGuid().ToString("N")[..12];
            leases[lease] = (now + limits.Lease).UtcTicks;
            if (limits.RequestsPerWindow is not null || limits.TokensPerWindow is not null)
            {
                // Only per-window limits read the log; a concurrency limit alone keeps the row to its leases.
                log.Add(new Granted(lease, now.UtcTicks, tokens, 1));
            }

            grant = new QuotaGrant(key, lease, TimeSpan.Zero);
            return new QuotaRow(Bounded(log), leases);
        }, cancellationToken);

        // Many hosts wrote the row at once: as good as no room; ask again shortly.
        return decided ? grant! : new QuotaGrant(key, null, ContendedRetry);
    }

    public Task ReleaseAsync(QuotaGrant grant, int tokenCorrection, CancellationToken cancellationToken) =>
        UpdateAsync(grant.Key, ReleaseAttempts, row =>
        {
            bool logged = row.Log.Any(g => g.Id == grant.LeaseId);
            if (!row.Leases.ContainsKey(grant.LeaseId!) && (tokenCorrection == 0 || !logged))
            {
                return null;
            }

            // A call that left the window (or was merged) keeps its estimate: the deployment counted something too.
            return new QuotaRow(
                [.. row.Log.Select(g => g.Id == grant.LeaseId ? g with { Tokens = Math.Max(0, g.Tokens + tokenCorrection) } : g)],
                row.Leases.Where(l => l.Key != grant.LeaseId).ToDictionary());
        }, cancellationToken);

    /// <summary>
    /// When the log's oldest grants will have slid out far enough for <paramref name="need"/> more under
    /// <paramref name="limit"/>: the time (ticks) of the last grant that must leave; null when it fits now. A single
    /// call bigger than the whole limit goes once the log is empty of that measure.
    /// </summary>
    static long? FreeAt(List<Granted> log, long limit, Func<Granted, long> measure, long need)
    {
        long total = log.Sum(measure);
        if (total == 0 || total + need <= limit)
        {
            return null;
        }

        foreach (Granted g in log.OrderBy(g => g.AtTicks))
        {
            total -= measure(g);
            if (total == 0 || total + need <= limit)
            {
                return g.AtTicks;
            }
        }

        return null;
    }

    static long? Later(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    static List<Granted> Bounded(List<Granted> log)
    {
        if (log.Count <= MaxLogEntries)
        {
            return log;
        }

        List<Granted> ordered = [.. log.OrderBy(g => g.AtTicks)];
        List<Granted> oldest = ordered[..(log.Count - MaxLogEntries + 1)];
        var merged = new Granted("merged", oldest[^1].AtTicks, oldest.Sum(g => g.Tokens), oldest.Sum(g => g.Calls));
        return [merged, .. ordered[oldest.Count..]];
    }

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

    /// <summary>Calls granted at one time (one, or several merged) with their tokens; the id is the call's lease.</summary>
    sealed record Granted(string Id, long AtTicks, long Tokens, long Calls);

    /// <summary>
    /// The row's fields, each one string property: the log as "id@ticks#tokens*calls" and the leases as
    /// "id=expiryTicks", separated by ';'. Rows written before the log (fixed windows) read as empty.
    /// </summary>
    sealed record QuotaRow(IReadOnlyList<Granted> Log, IReadOnlyDictionary<string, long> Leases)
    {
        public static readonly QuotaRow Empty = new([], new Dictionary<string, long>());

        public static QuotaRow From(TableEntity entity) => new(
            [.. Entries(entity.GetString(nameof(Log))).Select(ParseGranted)],
            Entries(entity.GetString(nameof(Leases))).Select(pair => pair.Split('='))
                .ToDictionary(pair => pair[0], pair => long.Parse(pair[1], CultureInfo.InvariantCulture)));

        public TableEntity ToEntity(string key) => new(key, RowKey)
        {
            [nameof(Log)] = string.Join(';', Log.Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Id}@{g.AtTicks}#{g.Tokens}*{g.Calls}"))),
            [nameof(Leases)] = string.Join(';', Leases.Select(l => $"{l.Key}={l.Value.ToString(CultureInfo.InvariantCulture)}")),
        };

        static string[] Entries(string? text) => (text ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries);

        static Granted ParseGranted(string entry)
        {
            string[] parts = entry.Split('@', '#', '*');
            return new Granted(parts[0], long.Parse(parts[1], CultureInfo.InvariantCulture),
                long.Parse(parts[2], CultureInfo.InvariantCulture), long.Parse(parts[3], CultureInfo.InvariantCulture));
        }
    }
}
