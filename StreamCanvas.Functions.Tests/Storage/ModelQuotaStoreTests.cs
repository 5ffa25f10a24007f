using Azure.Data.Tables;
using StreamCanvas.Storage;

namespace StreamCanvas.Tests.Storage;

/// <summary>The quota row on Azurite, written by two stores as two hosts would.</summary>
public sealed class ModelQuotaStoreTests
{
    static readonly DateTimeOffset Noon = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);

    static async Task<(TableModelQuotaStore HostA, TableModelQuotaStore HostB)> TwoHostsAsync()
    {
        StreamCanvas.Standalone.Azurite azurite = await SharedAzurite.GetAsync();
        return (new TableModelQuotaStore(new TableServiceClient(azurite.ConnectionString)), new TableModelQuotaStore(new TableServiceClient(azurite.ConnectionString)));
    }

    static QuotaLimits Limits(int? calls = null, int? requests = null, int? tokens = null) =>
        new(calls, requests, tokens, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(2));

    [Fact]
    public async Task TryAcquireAsync_TwoHostsAtOnce_GrantNoMoreSlotsThanTheLimit()
    {
        (TableModelQuotaStore a, TableModelQuotaStore b) = await TwoHostsAsync();
        string key = "endpoint|" + Guid.NewGuid().ToString("N");

        QuotaGrant[] grants = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            (i % 2 == 0 ? a : b).TryAcquireAsync(key, Limits(calls: 3), 10, Noon, CancellationToken.None)));

        Assert.Equal(3, grants.Count(g => g.Granted));
        Assert.All(grants.Where(g => !g.Granted), g => Assert.True(g.RetryAfter > TimeSpan.Zero));
    }

    [Fact]
    public async Task ReleaseAsync_OnOneHost_FreesTheSlotForTheOther()
    {
        (TableModelQuotaStore a, TableModelQuotaStore b) = await TwoHostsAsync();
        string key = "endpoint|" + Guid.NewGuid().ToString("N");
        QuotaGrant held = await a.TryAcquireAsync(key, Limits(calls: 1), 10, Noon, CancellationToken.None);
        Assert.True(held.Granted);
        Assert.False((await b.TryAcquireAsync(key, Limits(calls: 1), 10, Noon, CancellationToken.None)).Granted);

        await a.ReleaseAsync(held, 0, CancellationToken.None);

        Assert.True((await b.TryAcquireAsync(key, Limits(calls: 1), 10, Noon, CancellationToken.None)).Granted);
    }

    [Fact]
    public async Task TryAcquireAsync_SlotOfADeadHost_IsFreeAfterItsLease()
    {
        (TableModelQuotaStore a, TableModelQuotaStore b) = await TwoHostsAsync();
        string key = "endpoint|" + Guid.NewGuid().ToString("N");
        Assert.True((await a.TryAcquireAsync(key, Limits(calls: 1), 10, Noon, CancellationToken.None)).Granted);

        Assert.False((await b.TryAcquireAsync(key, Limits(calls: 1), 10, Noon.AddMinutes(1), CancellationToken.None)).Granted);
        Assert.True((await b.TryAcquireAsync(key, Limits(calls: 1), 10, Noon.AddMinutes(3), CancellationToken.None)).Granted);
    }

    [Fact]
    public async Task TryAcquireAsync_RequestsPerWindowUsed_WaitsForTheNextWindow()
    {
        (TableModelQuotaStore a, TableModelQuotaStore b) = await TwoHostsAsync();
        string key = "endpoint|" + Guid.NewGuid().ToString("N");
        DateTimeOffset at = Noon.AddSeconds(3);
        for (int i = 0; i < 4; i++)
        {
            QuotaGrant grant = await (i % 2 == 0 ? a : b).TryAcquireAsync(key, Limits(requests: 4), 10, at, CancellationToken.None);
            Assert.True(grant.Granted);
            await (i % 2 == 0 ? a : b).ReleaseAsync(grant, 0, CancellationToken.None);
        }

        QuotaGrant refused = await a.TryAcquireAsync(key, Limits(requests: 4), 10, at, CancellationToken.None);
        QuotaGrant atTheNextWindow = await b.TryAcquireAsync(key, Limits(requests: 4), 10, Noon.AddSeconds(10), CancellationToken.None);
        QuotaGrant onceSlidOut = await b.TryAcquireAsync(key, Limits(requests: 4), 10, Noon.AddSeconds(13.001), CancellationToken.None);

        // The window slides: the 4 granted at 3 s count until 13 s, so the 5th fits only then.
        Assert.False(refused.Granted);
        Assert.Equal(TimeSpan.FromSeconds(10), refused.RetryAfter);
        Assert.False(atTheNextWindow.Granted);
        Assert.Equal(TimeSpan.FromSeconds(3), atTheNextWindow.RetryAfter);
        Assert.True(onceSlidOut.Granted);
    }

    [Fact]
    public async Task TryAcquireAsync_BurstAtAWindowsEdge_NeverGrantsMoreThanTheLimitInOneWindowsLength()
    {
        (TableModelQuotaStore a, TableModelQuotaStore b) = await TwoHostsAsync();
        string key = "endpoint|" + Guid.NewGuid().ToString("N");
        var grantedAt = new List<DateTimeOffset>();

        // Ask every 250 ms for 30 s: a fixed window would grant 4 at the end of one window and 4 at the start of the next.
        for (DateTimeOffset at = Noon.AddSeconds(9); at < Noon.AddSeconds(39); at = at.AddMilliseconds(250))
        {
            TableModelQuotaStore host = grantedAt.Count % 2 == 0 ? a : b;
            QuotaGrant grant = await host.TryAcquireAsync(key, Limits(requests: 4), 10, at, CancellationToken.None);
            if (grant.Granted)
            {
                grantedAt.Add(at);
                await host.ReleaseAsync(grant, 0, CancellationToken.None);
            }
        }

        Assert.All(grantedAt, start => Assert.True(grantedAt.Count(t => t >= start && t < start.AddSeconds(10)) <= 4,
            $"more than 4 grants in the 10 s from {start:ss.fff}: {string.Join(", ", grantedAt.Select(t => t.ToString("ss.fff", System.Globalization.CultureInfo.InvariantCulture)))}"));
        Assert.InRange(grantedAt.Count, 10, 16); // about 4 per 10 s over 30 s: the limit is used, not starved
    }

    [Fact]
    public async Task TryAcquireAsync_CallBiggerThanTheTokenLimit_GoesOnceTheWindowsAreEmpty()
    {
        (TableModelQuotaStore a, _) = await TwoHostsAsync();
        string key = "endpoint|" + Guid.NewGuid().ToString("N");
        QuotaGrant small = await a.TryAcquireAsync(key, Limits(tokens: 1000), 300, Noon.AddSeconds(5), CancellationToken.None);
        await a.ReleaseAsync(small, 0, CancellationToken.None);

        QuotaGrant big = await a.TryAcquireAsync(key, Limits(tokens: 1000), 5000, Noon.AddSeconds(6), CancellationToken.None);
        QuotaGrant later = await a.TryAcquireAsync(key, Limits(tokens: 1000), 5000, Noon.AddSeconds(20), CancellationToken.None);

        Assert.False(big.Granted);
        Assert.Equal(TimeSpan.FromSeconds(9), big.RetryAfter); // once the call at 5 s has slid out
        Assert.True(later.Granted);
    }

    [Fact]
    public async Task ReleaseAsync_CallUsedFewerTokensThanEstimated_GivesTheRestBackToTheWindow()
    {
        (TableModelQuotaStore a, TableModelQuotaStore b) = await TwoHostsAsync();
        string key = "endpoint|" + Guid.NewGuid().ToString("N");
        QuotaGrant first = await a.TryAcquireAsync(key, Limits(tokens: 1000), 800, Noon, CancellationToken.None);
        Assert.True(first.Granted);
        Assert.False((await b.TryAcquireAsync(key, Limits(tokens: 1000), 800, Noon, CancellationToken.None)).Granted);

        await a.ReleaseAsync(first, -700, CancellationToken.None);

        Assert.True((await b.TryAcquireAsync(key, Limits(tokens: 1000), 800, Noon, CancellationToken.None)).Granted);
    }
}
