using StreamCanvas.Definitions;
using StreamCanvas.Storage;

namespace StreamCanvas.Tests.Storage;

/// <summary>The run-record table on Azurite: one row per run however often it is written, read back by window.</summary>
public sealed class RunRecordsTests
{
    static async Task<TableRunRecords> RecordsAsync() =>
        new(new Azure.Data.Tables.TableServiceClient((await SharedAzurite.GetAsync()).ConnectionString));

    static FinishedRun Run(string workflow, string id, DateTime finishedAt) => new()
    {
        Workflow = workflow,
        Version = "1.0.0",
        InstanceId = id,
        Outcome = RunOutcomes.Succeeded,
        StartedAt = finishedAt.AddMinutes(-1),
        FinishedAt = finishedAt,
        PromptTokens = 10,
        CompletionTokens = 5,
        Cost = 0.000123m,
        Models = [new ModelUse("gpt-x", 10, 5, 0.000123m)],
        ApprovalLatencies = [12.5],
        Gates = 1,
    };

    [Fact]
    public async Task WriteAsync_Twice_KeepsOneRowAndReadsItBackWhole()
    {
        TableRunRecords records = await RecordsAsync();
        string workflow = "wf-" + Guid.NewGuid().ToString("N")[..8];
        DateTime at = DateTime.UtcNow;

        await records.WriteAsync(Run(workflow, $"{workflow}:1", at), CancellationToken.None);
        await records.WriteAsync(Run(workflow, $"{workflow}:1", at), CancellationToken.None);

        FinishedRun back = Assert.Single(await records.SinceAsync(workflow, at.AddHours(-1), 100, CancellationToken.None));
        Assert.Equal(($"{workflow}:1", 0.000123m, 12.5), (back.InstanceId, back.Cost, Assert.Single(back.ApprovalLatencies)));
        Assert.Equal("gpt-x", Assert.Single(back.Models).Model);
    }

    [Fact]
    public async Task SinceAsync_ReadsOnlyTheWindowNewestFirstUpToTheLimit()
    {
        TableRunRecords records = await RecordsAsync();
        string workflow = "wf-" + Guid.NewGuid().ToString("N")[..8];
        DateTime now = DateTime.UtcNow;
        foreach (int hoursAgo in new[] { 1, 5, 30, 200 })
        {
            await records.WriteAsync(Run(workflow, $"{workflow}:{hoursAgo}", now.AddHours(-hoursAgo)), CancellationToken.None);
        }

        IReadOnlyList<FinishedRun> day = await records.SinceAsync(workflow, now.AddHours(-24), 100, CancellationToken.None);
        IReadOnlyList<FinishedRun> week = await records.SinceAsync(workflow, now.AddDays(-7), 100, CancellationToken.None);
        IReadOnlyList<FinishedRun> newest = await records.SinceAsync(workflow, now.AddDays(-7), 1, CancellationToken.None);

        Assert.Equal([$"{workflow}:1", $"{workflow}:5"], day.Select(r => r.InstanceId).ToArray());
        Assert.Equal(3, week.Count);
        Assert.Equal($"{workflow}:1", Assert.Single(newest).InstanceId);
    }

    [Fact]
    public async Task SinceAsync_TwoTaskHubsOnOneAccount_KeepTheirRecordsApart()
    {
        var account = new Azure.Data.Tables.TableServiceClient((await SharedAzurite.GetAsync()).ConnectionString);
        var staging = new TableRunRecords(account, SharedAzurite.NewTaskHub());
        var production = new TableRunRecords(account, SharedAzurite.NewTaskHub());
        string workflow = "wf-" + Guid.NewGuid().ToString("N")[..8];
        DateTime at = DateTime.UtcNow;

        await staging.WriteAsync(Run(workflow, $"{workflow}:staging", at), CancellationToken.None);
        await production.WriteAsync(Run(workflow, $"{workflow}:production", at), CancellationToken.None);

        Assert.Equal($"{workflow}:staging", Assert.Single(await staging.SinceAsync(workflow, at.AddHours(-1), 100, CancellationToken.None)).InstanceId);
        Assert.Equal($"{workflow}:production", Assert.Single(await production.SinceAsync(workflow, at.AddHours(-1), 100, CancellationToken.None)).InstanceId);
    }
}
