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

    static DailyCharge Tokens(long tokens) => new(tokens, 0);

    static DailyLimits TokenLimit(long tokens) => new(tokens, null);

    async Task<TableTokenLedger> LedgerAsync() =>
        new(new TableServiceClient((await SharedAzurite.GetAsync()).ConnectionString), clock, Lifetime);

    [Fact]
    public async Task SettleAsync_ReservationReplacedByWhatTheCallUsed()
    {
        TableTokenLedger ledger = await LedgerAsync();

        TokenReservation reservation = (await ledger.TryReserveAsync(workflow, Day, Tokens(80), TokenLimit(100), CancellationToken.None))!;
        long whileHeld = (await ledger.UsedAsync(workflow, Day, CancellationToken.None)).Tokens;
        await ledger.SettleAsync(reservation, Tokens(30), CancellationToken.None);

        Assert.Equal(80, whileHeld);
        Assert.Equal(30, (await ledger.UsedAsync(workflow, Day, CancellationToken.None)).Tokens);
        Assert.NotNull(await ledger.TryReserveAsync(workflow, Day, Tokens(70), TokenLimit(100), CancellationToken.None));
    }

    [Fact]
    public async Task TryReserveAsync_ReservationNeverSettled_CountsUntilItExpiresThenIsReclaimed()
    {
        TableTokenLedger ledger = await LedgerAsync();
        Assert.NotNull(await ledger.TryReserveAsync(workflow, Day, Tokens(80), TokenLimit(100), CancellationToken.None)); // its process is killed

        clock.Advance(Lifetime - TimeSpan.FromSeconds(1));
        TokenReservation? beforeExpiry = await ledger.TryReserveAsync(workflow, Day, Tokens(50), TokenLimit(100), CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(2));
        long afterExpiry = (await ledger.UsedAsync(workflow, Day, CancellationToken.None)).Tokens;
        TokenReservation? next = await ledger.TryReserveAsync(workflow, Day, Tokens(90), TokenLimit(100), CancellationToken.None);

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
        TokenReservation slow = (await ledger.TryReserveAsync(workflow, Day, Tokens(60), TokenLimit(100), CancellationToken.None))!;
        clock.Advance(Lifetime + TimeSpan.FromSeconds(1));
        TokenReservation other = (await ledger.TryReserveAsync(workflow, Day, Tokens(60), TokenLimit(100), CancellationToken.None))!; // reclaims the expired one

        await ledger.SettleAsync(slow, Tokens(25), CancellationToken.None);
        await ledger.SettleAsync(other, Tokens(40), CancellationToken.None);

        Assert.Equal(65, (await ledger.UsedAsync(workflow, Day, CancellationToken.None)).Tokens);
    }

    [Fact]
    public async Task TryReserveAsync_ManyHostsAtOnce_NeverReserveMoreThanTheLimit()
    {
        string connection = (await SharedAzurite.GetAsync()).ConnectionString;
        TableTokenLedger[] hosts = [.. Enumerable.Range(0, 3).Select(_ => new TableTokenLedger(new TableServiceClient(connection), clock, Lifetime))];

        TokenReservation?[] reservations = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            hosts[i % hosts.Length].TryReserveAsync(workflow, Day, Tokens(30), TokenLimit(100), CancellationToken.None)));

        Assert.Equal(3, reservations.Count(r => r is not null));
        Assert.Equal(90, (await hosts[0].UsedAsync(workflow, Day, CancellationToken.None)).Tokens);
    }

    [Fact]
    public async Task TryReserveAsync_CostLimit_RefusesWhatWouldExceedItWhateverTheTokens()
    {
        TableTokenLedger ledger = await LedgerAsync();
        var costOnly = new DailyLimits(null, 1_000_000);

        TokenReservation first = (await ledger.TryReserveAsync(workflow, Day, new DailyCharge(10_000, 700_000), costOnly, CancellationToken.None))!;
        TokenReservation? refused = await ledger.TryReserveAsync(workflow, Day, new DailyCharge(1, 400_000), costOnly, CancellationToken.None);
        await ledger.SettleAsync(first, new DailyCharge(9_000, 500_000), CancellationToken.None);
        TokenReservation? afterSettling = await ledger.TryReserveAsync(workflow, Day, new DailyCharge(1, 400_000), costOnly, CancellationToken.None);

        Assert.Null(refused);
        Assert.NotNull(afterSettling);
        Assert.Equal(new DailyCharge(9_001, 900_000), await ledger.UsedAsync(workflow, Day, CancellationToken.None));
        Assert.Equal(0.9, costOnly.Share(new DailyCharge(9_001, 900_000)), 3);
    }

    [Fact]
    public async Task UsedAsync_DayRowWrittenBeforeCostWasCounted_CountsItsTokensAndNoCost()
    {
        var table = new TableClient((await SharedAzurite.GetAsync()).ConnectionString, TableTokenLedger.TableName);
        await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new TableEntity(workflow, "2026-01-05") { ["Tokens"] = 70L });
        TableTokenLedger ledger = await LedgerAsync();

        Assert.Equal(new DailyCharge(70, 0), await ledger.UsedAsync(workflow, Day, CancellationToken.None));
        Assert.Null(await ledger.TryReserveAsync(workflow, Day, new DailyCharge(40, 0), new DailyLimits(100, 5), CancellationToken.None));
    }
}
