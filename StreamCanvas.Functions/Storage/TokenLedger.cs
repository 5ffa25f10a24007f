using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace StreamCanvas.Storage;

/// <summary>
/// What model calls use of a daily budget: tokens, and their cost in millionths of the pricing currency (whole
/// numbers, so sums over thousands of calls on several hosts are exact).
/// </summary>
public sealed record DailyCharge(long Tokens, long CostMicros)
{
    public static readonly DailyCharge None = new(0, 0);

    public DailyCharge Plus(DailyCharge other) => new(Tokens + other.Tokens, CostMicros + other.CostMicros);
}

/// <summary>A workflow's daily limits; a null limit is not enforced.</summary>
public sealed record DailyLimits(long? Tokens, long? CostMicros)
{
    public bool Allows(DailyCharge charge) =>
        (Tokens is not long tokens || charge.Tokens <= tokens) && (CostMicros is not long cost || charge.CostMicros <= cost);

    /// <summary>The larger share of a limit that <paramref name="used"/> takes (0.8 = 80 % of the tighter budget).</summary>
    public double Share(DailyCharge used) => Math.Max(
        Tokens is long tokens && tokens > 0 ? (double)used.Tokens / tokens : 0,
        CostMicros is long cost && cost > 0 ? (double)used.CostMicros / cost : 0);
}

/// <summary>Held for one model call until it is settled by what the call used, or until it expires.</summary>
public sealed record TokenReservation(string Workflow, DateOnly Day, string Id, DailyCharge Charge);

/// <summary>Tokens and cost used per workflow per UTC day, shared by every host on the storage account.</summary>
public interface ITokenLedger
{
    /// <summary>
    /// Reserves <paramref name="charge"/> if the day's use and live reservations stay within <paramref name="limits"/>;
    /// null otherwise.
    /// </summary>
    Task<TokenReservation?> TryReserveAsync(string workflow, DateOnly day, DailyCharge charge, DailyLimits limits, CancellationToken cancellationToken);

    /// <summary>Replaces the reservation by what the call really used (also after the reservation expired).</summary>
    Task SettleAsync(TokenReservation reservation, DailyCharge used, CancellationToken cancellationToken);

    /// <summary>The day's settled use plus the reservations still live (expired ones count for nothing).</summary>
    Task<DailyCharge> UsedAsync(string workflow, DateOnly day, CancellationToken cancellationToken);
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
    const string CostColumn = "CostMicros";
    const string ExpiresColumn = "ExpiresAt";
    const int Attempts = 50;

    /// <summary>A $select leaves out the keys unless named, and a row read without them cannot be deleted.</summary>
    static readonly string[] KeysChargeExpiry = ["PartitionKey", "RowKey", TokensColumn, CostColumn, ExpiresColumn];
    static readonly string[] ChargeOnly = [TokensColumn, CostColumn];

    /// <summary>At most this many expired reservations are deleted by one reservation (a transaction holds 100 operations).</summary>
    const int ReclaimPerReservation = 50;

    readonly CreateOnce created = new(ct => tables.GetTableClient(TableName).CreateIfNotExistsAsync(ct));

    TableClient Table => tables.GetTableClient(TableName);

    public async Task<TokenReservation?> TryReserveAsync(string workflow, DateOnly day, DailyCharge charge, DailyLimits limits, CancellationToken cancellationToken)
    {
        await created.EnsureAsync(cancellationToken);
        TableClient table = Table;
        string id = Guid.NewGuid().ToString("N");
        for (int attempt = 1; ; attempt++)
        {
            (TableEntity? dayRow, DailyCharge settled) = await ReadDayAsync(table, workflow, day, cancellationToken);
            DateTimeOffset now = clock.GetUtcNow();
            List<TableEntity> reservations = await ReservationsAsync(table, workflow, day, cancellationToken);
            if (!limits.Allows(settled.Plus(Live(reservations, now)).Plus(charge)))
            {
                return null;
            }

            TableEntity reservation = ChargeRow(workflow, ReservationKey(day, id), charge);
            reservation[ExpiresColumn] = now + reservationLifetime;
            var actions = new List<TableTransactionAction>
            {
                DayRowWrite(dayRow, workflow, day, settled),
                new(TableTransactionActionType.Add, reservation),
            };
            actions.AddRange(reservations.Where(r => Expired(r, now)).Take(ReclaimPerReservation)
                .Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, r.ETag)));
            if (await TrySubmitAsync(table, actions, attempt, cancellationToken))
            {
                return new TokenReservation(workflow, day, id, charge);
            }
        }
    }

    public async Task SettleAsync(TokenReservation reservation, DailyCharge used, CancellationToken cancellationToken)
    {
        await created.EnsureAsync(cancellationToken);
        TableClient table = Table;
        for (int attempt = 1; ; attempt++)
        {
            (TableEntity? dayRow, DailyCharge settled) = await ReadDayAsync(table, reservation.Workflow, reservation.Day, cancellationToken);
            NullableResponse<TableEntity> held = await table.GetEntityIfExistsAsync<TableEntity>(
                reservation.Workflow, ReservationKey(reservation.Day, reservation.Id), KeysChargeExpiry, cancellationToken);

            // Gone: it expired and a later reservation reclaimed it. What the call used still counts.
            DailyCharge counted = new(Math.Max(0, used.Tokens), Math.Max(0, used.CostMicros));
            var actions = new List<TableTransactionAction> { DayRowWrite(dayRow, reservation.Workflow, reservation.Day, settled.Plus(counted)) };
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

    public async Task<DailyCharge> UsedAsync(string workflow, DateOnly day, CancellationToken cancellationToken)
    {
        await created.EnsureAsync(cancellationToken);
        TableClient table = Table;
        (_, DailyCharge settled) = await ReadDayAsync(table, workflow, day, cancellationToken);
        List<TableEntity> reservations = await ReservationsAsync(table, workflow, day, cancellationToken);
        return settled.Plus(Live(reservations, clock.GetUtcNow()));
    }

    static async Task<(TableEntity? Row, DailyCharge Settled)> ReadDayAsync(TableClient table, string workflow, DateOnly day, CancellationToken cancellationToken)
    {
        NullableResponse<TableEntity> row = await table.GetEntityIfExistsAsync<TableEntity>(workflow, DayKey(day), ChargeOnly, cancellationToken);
        return row.HasValue ? (row.Value, Charge(row.Value!)) : (null, DailyCharge.None);
    }

    /// <summary>Rows written before cost was counted have no cost column: they cost nothing we know of.</summary>
    static DailyCharge Charge(TableEntity row) => new(row.GetInt64(TokensColumn) ?? 0, row.GetInt64(CostColumn) ?? 0);

    static DailyCharge Live(List<TableEntity> reservations, DateTimeOffset now) =>
        reservations.Where(r => !Expired(r, now)).Aggregate(DailyCharge.None, (sum, r) => sum.Plus(Charge(r)));

    static TableEntity ChargeRow(string workflow, string rowKey, DailyCharge charge) =>
        new(workflow, rowKey) { [TokensColumn] = charge.Tokens, [CostColumn] = charge.CostMicros };

    static async Task<List<TableEntity>> ReservationsAsync(TableClient table, string workflow, DateOnly day, CancellationToken cancellationToken)
    {
        string from = ReservationKey(day, "");
        string to = from + "~";
        var rows = new List<TableEntity>();
        await foreach (TableEntity row in table.QueryAsync<TableEntity>(
            e => e.PartitionKey == workflow && e.RowKey.CompareTo(from) >= 0 && e.RowKey.CompareTo(to) < 0,
            select: KeysChargeExpiry, cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>The day row, written on every change so its ETag orders the writers (added if the day has none yet).</summary>
    static TableTransactionAction DayRowWrite(TableEntity? read, string workflow, DateOnly day, DailyCharge settled)
    {
        TableEntity entity = ChargeRow(workflow, DayKey(day), settled);
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
