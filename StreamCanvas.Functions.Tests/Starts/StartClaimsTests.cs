using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using StreamCanvas.Storage;

namespace StreamCanvas.Tests.Starts;

/// <summary>The start claims on a real table (Azurite): one start of an id schedules, the others wait for its run.</summary>
public sealed class StartClaimsTests
{
    readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);

    async Task<TableStartClaims> ClaimsAsync() =>
        new(new TableClient((await SharedAzurite.GetAsync()).ConnectionString, TableStartClaims.TableName), clock);

    [Fact]
    public async Task TryClaimAsync_ConcurrentStartsOfOneId_ExactlyOneWins()
    {
        TableStartClaims claims = await ClaimsAsync();
        string id = "wf:k-" + Guid.NewGuid().ToString("N");

        bool[] results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => claims.TryClaimAsync(id, TimeSpan.FromSeconds(15), CancellationToken.None)));

        Assert.Equal(1, results.Count(won => won));
    }

    [Fact]
    public async Task TryClaimAsync_ClaimLeftTooLong_IsTakenOverByOneCaller()
    {
        TableStartClaims claims = await ClaimsAsync();
        string id = "wf:k-" + Guid.NewGuid().ToString("N");
        Assert.True(await claims.TryClaimAsync(id, TimeSpan.FromSeconds(15), CancellationToken.None));
        Assert.False(await claims.TryClaimAsync(id, TimeSpan.FromSeconds(15), CancellationToken.None));

        clock.Advance(TimeSpan.FromSeconds(16));
        bool[] takeovers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => claims.TryClaimAsync(id, TimeSpan.FromSeconds(15), CancellationToken.None)));

        Assert.Equal(1, takeovers.Count(won => won));
    }

    [Fact]
    public async Task ForgetAsync_ClaimedId_RemovesTheRowSoNothingAccumulates()
    {
        TableStartClaims claims = await ClaimsAsync();
        string id = "wf:k-" + Guid.NewGuid().ToString("N");
        Assert.True(await claims.TryClaimAsync(id, TimeSpan.FromSeconds(15), CancellationToken.None));

        await claims.ForgetAsync(id, CancellationToken.None);
        await claims.ForgetAsync(id, CancellationToken.None);

        var table = new TableClient((await SharedAzurite.GetAsync()).ConnectionString, TableStartClaims.TableName);
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>("wf", Uri.EscapeDataString(id))).HasValue);
    }
}
