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

        Assert.False(refused.Granted);
        Assert.Equal(TimeSpan.FromSeconds(7), refused.RetryAfter);
        Assert.True((await b.TryAcquireAsync(key, Limits(requests: 4), 10, Noon.AddSeconds(10), CancellationToken.None)).Granted);
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
