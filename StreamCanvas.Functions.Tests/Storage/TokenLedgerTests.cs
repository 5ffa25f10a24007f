using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using StreamCanvas.Storage;

namespace StreamCanvas.Tests.Storage;

/// <summary>The daily token ledger on Azurite: reservations settle, and one never settled (its host killed) expires.</summary>
public sealed class TokenLedgerTests
{
    static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);
    static readonly DateOnly Day = new(2026, 1, 5);

    readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
    readonly string workflow = "ledger-" + Guid.NewGuid().ToString("N")[..12];

    async Task<TableTokenLedger> LedgerAsync() =>
        new(new TableServiceClient((await SharedAzurite.GetAsync()).ConnectionString), clock, Lifetime);

    [Fact]
    public async Task SettleAsync_ReservationReplacedByWhatTheCallUsed()
    {
        TableTokenLedger ledger = await LedgerAsync();

        TokenReservation reservation = (await ledger.TryReserveAsync(workflow, Day, 80, 100, CancellationToken.None))!;
        long whileHeld = await ledger.UsedAsync(workflow, Day, CancellationToken.None);
        await ledger.SettleAsync(reservation, 30, CancellationToken.None);

        Assert.Equal(80, whileHeld);
        Assert.Equal(30, await ledger.UsedAsync(workflow, Day, CancellationToken.None));
        Assert.NotNull(await ledger.TryReserveAsync(workflow, Day, 70, 100, CancellationToken.None));
    }

    [Fact]
    public async Task TryReserveAsync_ReservationNeverSettled_CountsUntilItExpiresThenIsReclaimed()
    {
        TableTokenLedger ledger = await LedgerAsync();
        Assert.NotNull(await ledger.TryReserveAsync(workflow, Day, 80, 100, CancellationToken.None)); // its process is killed

        clock.Advance(Lifetime - TimeSpan.FromSeconds(1));
        TokenReservation? beforeExpiry = await ledger.TryReserveAsync(workflow, Day, 50, 100, CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(2));
        long afterExpiry = await ledger.UsedAsync(workflow, Day, CancellationToken.None);
        TokenReservation? next = await ledger.TryReserveAsync(workflow, Day, 90, 100, CancellationToken.None);

        Assert.Null(beforeExpiry);
        Assert.Equal(0, afterExpiry);
        Assert.NotNull(next);

        // The expired row is gone: the partition holds the day row and the live reservation only.
        var table = new TableClient((await SharedAzurite.GetAsync()).ConnectionString, TableTokenLedger.TableName);
        List<string> rows = [];
        await foreach (TableEntity row in table.QueryAsync<TableEntity>(e => e.PartitionKey == workflow, select: ["RowKey"]))
        {
            rows.Add(row.RowKey);
        }

        Assert.Equal(2, rows.Count);
        Assert.Contains("2026-01-05", rows);
        Assert.Contains(rows, r => r.EndsWith(next!.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SettleAsync_AfterTheReservationExpired_StillCountsWhatTheCallUsed()
    {
        TableTokenLedger ledger = await LedgerAsync();
        TokenReservation slow = (await ledger.TryReserveAsync(workflow, Day, 60, 100, CancellationToken.None))!;
        clock.Advance(Lifetime + TimeSpan.FromSeconds(1));
        TokenReservation other = (await ledger.TryReserveAsync(workflow, Day, 60, 100, CancellationToken.None))!; // reclaims the expired one

        await ledger.SettleAsync(slow, 25, CancellationToken.None);
        await ledger.SettleAsync(other, 40, CancellationToken.None);

        Assert.Equal(65, await ledger.UsedAsync(workflow, Day, CancellationToken.None));
    }

    [Fact]
    public async Task TryReserveAsync_ManyHostsAtOnce_NeverReserveMoreThanTheLimit()
    {
        string connection = (await SharedAzurite.GetAsync()).ConnectionString;
        TableTokenLedger[] hosts = [.. Enumerable.Range(0, 3).Select(_ => new TableTokenLedger(new TableServiceClient(connection), clock, Lifetime))];

        TokenReservation?[] reservations = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            hosts[i % hosts.Length].TryReserveAsync(workflow, Day, 30, 100, CancellationToken.None)));

        Assert.Equal(3, reservations.Count(r => r is not null));
        Assert.Equal(90, await hosts[0].UsedAsync(workflow, Day, CancellationToken.None));
    }
}
