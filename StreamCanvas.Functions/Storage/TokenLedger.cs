using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace StreamCanvas.Storage;

/// <summary>Tokens held for one model call until it is settled by what the call used, or until it expires.</summary>
public sealed record TokenReservation(string Workflow, DateOnly Day, string Id, int Tokens);

/// <summary>Tokens used per workflow per UTC day, shared by every host on the storage account.</summary>
public interface ITokenLedger
{
    /// <summary>
    /// Reserves <paramref name="tokens"/> if the day's used tokens and live reservations stay within
    /// <paramref name="limit"/>; null otherwise.
    /// </summary>
    Task<TokenReservation?> TryReserveAsync(string workflow, DateOnly day, int tokens, int limit, CancellationToken cancellationToken);

    /// <summary>Replaces the reservation by what the call really used (also after the reservation expired).</summary>
    Task SettleAsync(TokenReservation reservation, int used, CancellationToken cancellationToken);

    /// <summary>The day's settled tokens plus the reservations still live (expired ones count for nothing).</summary>
    Task<long> UsedAsync(string workflow, DateOnly day, CancellationToken cancellationToken);
}

/// <summary>
/// Azure Table rows per workflow (the partition): one row per day with the settled total, and one row per
/// reservation with its tokens and expiry. Every reservation and settlement is one entity group transaction that
/// also rewrites the day row with its ETag, so concurrent writers on any host are serialized by that row. A
/// reservation whose process died mid-call (killed, so never settled) stops counting when it expires, and the next
/// reservation of the workflow deletes it: the daily budget is never held forever.
/// </summary>
/// <param name="reservationLifetime">
/// How long a reservation counts without being settled: longer than any model call may take (the host's function
/// timeout bounds an activity), so a live call is never under-counted.
/// </param>
public sealed class TableTokenLedger(TableServiceClient tables, TimeProvider clock, TimeSpan reservationLifetime) : ITokenLedger
{
    public const string TableName = "TokenUsage";
    const string TokensColumn = "Tokens";
    const string ExpiresColumn = "ExpiresAt";
    const int Attempts = 50;

    /// <summary>A $select leaves out the keys unless named, and a row read without them cannot be deleted.</summary>
    static readonly string[] KeysTokensExpiry = ["PartitionKey", "RowKey", TokensColumn, ExpiresColumn];
    static readonly string[] TokensOnly = [TokensColumn];

    /// <summary>At most this many expired reservations are deleted by one reservation (a transaction holds 100 operations).</summary>
    const int ReclaimPerReservation = 50;

    readonly CreateOnce created = new(ct => tables.GetTableClient(TableName).CreateIfNotExistsAsync(ct));

    TableClient Table => tables.GetTableClient(TableName);

    public async Task<TokenReservation?> TryReserveAsync(string workflow, DateOnly day, int tokens, int limit, CancellationToken cancellationToken)
    {
        await created.EnsureAsync(cancellationToken);
        TableClient table = Table;
        string id = Guid.NewGuid().ToString("N");
        for (int attempt = 1; ; attempt++)
        {
            (TableEntity? dayRow, long settled) = await ReadDayAsync(table, workflow, day, cancellationToken);
            DateTimeOffset now = clock.GetUtcNow();
            List<TableEntity> reservations = await ReservationsAsync(table, workflow, day, cancellationToken);
            long live = reservations.Where(r => !Expired(r, now)).Sum(r => r.GetInt64(TokensColumn) ?? 0);
            if (settled + live + tokens > limit)
            {
                return null;
            }

            var actions = new List<TableTransactionAction>
            {
                DayRowWrite(dayRow, workflow, day, settled),
                new(TableTransactionActionType.Add, new TableEntity(workflow, ReservationKey(day, id))
                {
                    [TokensColumn] = (long)tokens,
                    [ExpiresColumn] = now + reservationLifetime,
                }),
            };
            actions.AddRange(reservations.Where(r => Expired(r, now)).Take(ReclaimPerReservation)
                .Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, r.ETag)));
            if (await TrySubmitAsync(table, actions, attempt, cancellationToken))
            {
                return new TokenReservation(workflow, day, id, tokens);
            }
        }
    }

    public async Task SettleAsync(TokenReservation reservation, int used, CancellationToken cancellationToken)
    {
        await created.EnsureAsync(cancellationToken);
        TableClient table = Table;
        for (int attempt = 1; ; attempt++)
        {
            (TableEntity? dayRow, long settled) = await ReadDayAsync(table, reservation.Workflow, reservation.Day, cancellationToken);
            NullableResponse<TableEntity> held = await table.GetEntityIfExistsAsync<TableEntity>(
                reservation.Workflow, ReservationKey(reservation.Day, reservation.Id), KeysTokensExpiry, cancellationToken);

            // Gone: it expired and a later reservation reclaimed it. What the call used still counts.
            var actions = new List<TableTransactionAction> { DayRowWrite(dayRow, reservation.Workflow, reservation.Day, settled + Math.Max(0, used)) };
            if (held.HasValue)
            {
                actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, held.Value!, held.Value!.ETag));
            }

            if (await TrySubmitAsync(table, actions, attempt, cancellationToken))
            {
                return;
            }
        }
    }

    public async Task<long> UsedAsync(string workflow, DateOnly day, CancellationToken cancellationToken)
    {
        await created.EnsureAsync(cancellationToken);
        TableClient table = Table;
        (_, long settled) = await ReadDayAsync(table, workflow, day, cancellationToken);
        DateTimeOffset now = clock.GetUtcNow();
        List<TableEntity> reservations = await ReservationsAsync(table, workflow, day, cancellationToken);
        return settled + reservations.Where(r => !Expired(r, now)).Sum(r => r.GetInt64(TokensColumn) ?? 0);
    }

    static async Task<(TableEntity? Row, long Settled)> ReadDayAsync(TableClient table, string workflow, DateOnly day, CancellationToken cancellationToken)
    {
        NullableResponse<TableEntity> row = await table.GetEntityIfExistsAsync<TableEntity>(workflow, DayKey(day), TokensOnly, cancellationToken);
        return row.HasValue ? (row.Value, row.Value!.GetInt64(TokensColumn) ?? 0) : (null, 0);
    }

    static async Task<List<TableEntity>> ReservationsAsync(TableClient table, string workflow, DateOnly day, CancellationToken cancellationToken)
    {
        string from = ReservationKey(day, "");
        string to = from + "~";
        var rows = new List<TableEntity>();
        await foreach (TableEntity row in table.QueryAsync<TableEntity>(
            e => e.PartitionKey == workflow && e.RowKey.CompareTo(from) >= 0 && e.RowKey.CompareTo(to) < 0,
            select: KeysTokensExpiry, cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>The day row, written on every change so its ETag orders the writers (added if the day has none yet).</summary>
    static TableTransactionAction DayRowWrite(TableEntity? read, string workflow, DateOnly day, long settled)
    {
        var entity = new TableEntity(workflow, DayKey(day)) { [TokensColumn] = settled };
        return read is null
            ? new TableTransactionAction(TableTransactionActionType.Add, entity)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, read.ETag);
    }

    /// <summary>False when another writer changed the rows first (read again and decide again); throws once that kept happening.</summary>
    static async Task<bool> TrySubmitAsync(TableClient table, List<TableTransactionAction> actions, int attempt, CancellationToken cancellationToken)
    {
        try
        {
            await table.SubmitTransactionAsync(actions, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 409 or 412 && attempt < Attempts)
        {
            // Another host wrote the day row (or reclaimed the same expired reservation) first.
            await Task.Delay(Random.Shared.Next(5, 20 * Math.Min(attempt, 10)), cancellationToken);
            return false;
        }
    }

    static bool Expired(TableEntity reservation, DateTimeOffset now) =>
        (reservation.GetDateTimeOffset(ExpiresColumn) ?? DateTimeOffset.MinValue) <= now;

    static string DayKey(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Beside the day row ('~' sorts after the day's key and after every hex id).</summary>
    static string ReservationKey(DateOnly day, string id) => $"{DayKey(day)}~reservation~{id}";
}
