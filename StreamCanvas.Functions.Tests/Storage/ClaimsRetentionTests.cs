using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StreamCanvas.Definitions;
using StreamCanvas.Hosting;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Storage;

/// <summary>
/// Claims retention on Azurite: start claims and a run's decision rows go once older than Claims:RetentionDays. Each
/// test has tables of its own, so its cutoffs never reach another test's rows.
/// </summary>
public sealed class ClaimsRetentionTests
{
    readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    readonly string suffix = Guid.NewGuid().ToString("N");

    async Task<(TableStartClaims Claims, TableClient ClaimsTable, ApprovalDecisionStore Decisions, TableClient DecisionsTable)> StoresAsync()
    {
        string connection = (await SharedAzurite.GetAsync()).ConnectionString;
        var claimsTable = new TableClient(connection, "RunStarts" + suffix);
        var decisionsTable = new TableClient(connection, "Decisions" + suffix);
        return (new TableStartClaims(claimsTable, clock), claimsTable, new ApprovalDecisionStore(decisionsTable), decisionsTable);
    }

    static ApprovalDecision Approve(string approver = "ed@example.com") => new()
    {
        Decision = Decisions.Approve, Approver = approver, SnapshotHash = "h", Level = 0, DecidedAt = DateTime.UtcNow,
    };

    static async Task<List<string>> PartitionsAsync(TableClient table)
    {
        var partitions = new List<string>();
        await foreach (TableEntity row in table.QueryAsync<TableEntity>())
        {
            partitions.Add(row.PartitionKey);
        }

        return [.. partitions.Distinct().Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task DeleteClaimedBeforeAsync_ClaimsOlderThanTheCutoff_AreDeletedRecentOnesKept()
    {
        (TableStartClaims claims, TableClient table, _, _) = await StoresAsync();
        Assert.True(await claims.TryClaimAsync("wf:old-1", TimeSpan.FromSeconds(15), CancellationToken.None));
        Assert.True(await claims.TryClaimAsync("wf:old-2", TimeSpan.FromSeconds(15), CancellationToken.None));
        clock.Advance(TimeSpan.FromDays(10));
        Assert.True(await claims.TryClaimAsync("wf:recent", TimeSpan.FromSeconds(15), CancellationToken.None));

        int deleted = await claims.DeleteClaimedBeforeAsync(clock.GetUtcNow() - TimeSpan.FromDays(5), max: 100, CancellationToken.None);

        Assert.Equal(2, deleted);
        var left = new List<string>();
        await foreach (TableEntity row in table.QueryAsync<TableEntity>())
        {
            left.Add(Uri.UnescapeDataString(row.RowKey));
        }

        Assert.Equal(["wf:recent"], left);
    }

    [Fact]
    public async Task DeleteRunsUnchangedSinceAsync_RunWithEveryRowOlder_LosesThemAll_RunWithAFreshRowKeepsThem()
    {
        (_, _, ApprovalDecisionStore store, TableClient table) = await StoresAsync();
        Assert.Equal(GateClaim.Won, await store.TryClaimAsync("wf:finished", "review-1", Approve(), CancellationToken.None));
        await store.RecordRefusalAsync("wf:finished", "review-1", "run-finished", "{}", DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.Null(await store.CloseLevelAsync("wf:open", "review-1", level: 0, nextLevel: 1, CancellationToken.None));

        // The table's Timestamp is the storage clock's: a cutoff strictly between the old and the fresh writes.
        await Task.Delay(50);
        DateTimeOffset cutoff = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        Assert.Equal(GateClaim.Won, await store.TryClaimAsync("wf:open", "review-1", Approve() with { Level = 1 }, CancellationToken.None));

        int deleted = await store.DeleteRunsUnchangedSinceAsync(cutoff, maxRuns: 100, CancellationToken.None);

        Assert.Equal(1, deleted);
        Assert.Equal(["wf%3Aopen"], await PartitionsAsync(table));
        Assert.NotNull(await store.FindAsync("wf:open", "review-1", CancellationToken.None));
    }

    [Fact]
    public async Task SweepAsync_PastTheRetention_DeletesStartClaimsAndDecisionRows()
    {
        (TableStartClaims claims, TableClient claimsTable, ApprovalDecisionStore store, TableClient decisionsTable) = await StoresAsync();
        Assert.True(await claims.TryClaimAsync("wf:crashed-start", TimeSpan.FromSeconds(15), CancellationToken.None));
        Assert.Equal(GateClaim.Won, await store.TryClaimAsync("wf:never-purged", "review-1", Approve(), CancellationToken.None));
        ClaimsRetention retention = Retention(store, claims, retentionDays: 30);

        await retention.SweepAsync(CancellationToken.None);
        bool keptWithinRetention = (await PartitionsAsync(claimsTable)).Count == 1 && (await PartitionsAsync(decisionsTable)).Count == 1;
        clock.Advance(TimeSpan.FromDays(31));
        bool more = await retention.SweepAsync(CancellationToken.None);

        Assert.True(keptWithinRetention);
        Assert.False(more);
        Assert.Empty(await PartitionsAsync(claimsTable));
        Assert.Empty(await PartitionsAsync(decisionsTable));
    }

    [Fact]
    public void Retention_ShorterThanTheLongestApprovalLevel_IsRaisedAboveIt()
    {
        var store = new ApprovalDecisionStore(new TableClient("UseDevelopmentStorage=true", "Unused"));
        LoadedWorkflow gated = TestDefinitions.Load(TestDefinitions.Workflow("""
            [ { "id": "review", "kind": "approval", "context": ["input.topic"],
                "escalation": [ { "name": "editor", "approvers": ["ed@example.com"], "timeout": "P40D" } ] } ]
            """));

        Assert.Equal(TimeSpan.FromDays(41), Retention(store, new GrantingStartClaims(), retentionDays: 30, gated).Retention);
        Assert.Equal(TimeSpan.FromDays(90), Retention(store, new GrantingStartClaims(), retentionDays: 90, gated).Retention);
        Assert.Null(Retention(store, new GrantingStartClaims(), retentionDays: 0, gated).Retention);
    }

    ClaimsRetention Retention(ApprovalDecisionStore store, IStartClaims claims, int retentionDays, params LoadedWorkflow[] workflows) =>
        new(claims, store, new WorkflowCatalog(workflows), Options.Create(new ClaimsOptions { RetentionDays = retentionDays }), clock, NullLogger<ClaimsRetention>.Instance);
}
