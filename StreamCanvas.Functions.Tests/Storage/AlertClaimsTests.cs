using Azure.Data.Tables;
using StreamCanvas.Storage;

namespace StreamCanvas.Tests.Storage;

/// <summary>Owner-alert claims on a real table (Azurite): one sender per condition and window, retries of it resend only if unsent.</summary>
public sealed class AlertClaimsTests
{
    static async Task<TableAlertClaims> ClaimsAsync() =>
        new(new TableClient((await SharedAzurite.GetAsync()).ConnectionString, TableAlertClaims.TableName), TimeProvider.System);

    [Fact]
    public async Task ClaimAsync_FiftyRunsInOneWindow_ExactlyOneSends()
    {
        TableAlertClaims claims = await ClaimsAsync();
        string workflow = "wf-" + Guid.NewGuid().ToString("N")[..8];

        AlertClaim[] results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => claims.ClaimAsync(workflow, "run-failed|w1", $"{workflow}:run-{i}", CancellationToken.None)));

        Assert.Equal(1, results.Count(r => r.Send));
    }

    [Fact]
    public async Task ClaimAsync_SameClaimantAgain_SendsUntilDeliveredThenNot()
    {
        TableAlertClaims claims = await ClaimsAsync();
        string workflow = "wf-" + Guid.NewGuid().ToString("N")[..8];

        Assert.True((await claims.ClaimAsync(workflow, "run-failed|w1", "run-1", CancellationToken.None)).Send);
        Assert.True((await claims.ClaimAsync(workflow, "run-failed|w1", "run-1", CancellationToken.None)).Send);
        await claims.MarkDeliveredAsync(workflow, "run-failed|w1", CancellationToken.None);
        AlertClaim repeated = await claims.ClaimAsync(workflow, "run-failed|w1", "run-1", CancellationToken.None);

        Assert.False(repeated.Send);
        Assert.True(repeated.AlreadyDelivered);
        Assert.True((await claims.ClaimAsync(workflow, "run-failed|w2", "run-2", CancellationToken.None)).Send);
    }
}
