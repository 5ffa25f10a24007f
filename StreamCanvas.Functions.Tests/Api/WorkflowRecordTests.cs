using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using StreamCanvas.Api.Readiness;
using StreamCanvas.Definitions;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Api;

/// <summary>The live record's figures from a set of runs with known tokens, costs, outcomes and approval times.</summary>
public sealed class WorkflowRecordTests
{
    static readonly DateTime Now = new(2026, 3, 2, 12, 0, 0, DateTimeKind.Utc);

    static FinishedRun Run(string id, string outcome, string version = "1.1.0", double hoursAgo = 1, decimal? cost = 0.01m, string model = "gpt-b",
        double[]? approvals = null, int escalated = 0, string? failedStep = null, string? reason = null) => new()
        {
            Workflow = "wf",
            Version = version,
            InstanceId = id,
            Outcome = outcome,
            StartedAt = Now.AddHours(-hoursAgo).AddMinutes(-1),
            FinishedAt = Now.AddHours(-hoursAgo),
            FailedStep = failedStep,
            FailureReason = reason,
            PromptTokens = 300,
            CompletionTokens = 100,
            Cost = cost,
            Models = [new ModelUse(model, 300, 100, cost)],
            ApprovalLatencies = approvals ?? [],
            Gates = approvals?.Length ?? 0,
            EscalatedGates = escalated,
        };

    static readonly FinishedRun[] Runs =
    [
        Run("a", RunOutcomes.Succeeded, approvals: [10], hoursAgo: 1),
        Run("b", RunOutcomes.Succeeded, approvals: [20], hoursAgo: 2),
        Run("c", RunOutcomes.FailedCriteria, approvals: [30], escalated: 1, hoursAgo: 3),
        Run("d", RunOutcomes.Failed, failedStep: "publish", reason: "tool-error", hoursAgo: 4),
        Run("e", RunOutcomes.Succeeded, version: "1.0.0", model: "gpt-a", approvals: [400], hoursAgo: 30),
        Run("f", RunOutcomes.Failed, version: "1.0.0", model: "gpt-a", cost: null, failedStep: "publish", reason: "tool-error", hoursAgo: 31),
    ];

    [Fact]
    public void Of_KnownRuns_GivesRatesLatencyPercentilesTokensAndCost()
    {
        WorkflowRecord record = WorkflowRecord.Of("wf", RecordWindow.Week, Now.AddDays(-7), Runs, truncated: false);

        RecordFigures all = record.Overall;
        Assert.Equal((6, 3, 1, 2), (all.Runs, all.Succeeded, all.FailedCriteria, all.Failed));
        Assert.Equal(0.5, all.DoneRate);
        Assert.Equal(0.3333, all.FailureRate);
        Assert.Equal((20.0, 400.0), (all.ApprovalP50Seconds, all.ApprovalP95Seconds));
        Assert.Equal(0.25, all.EscalationRate);
        Assert.Equal(400, all.TokensPerRun);

        // Five priced runs at 0.01; the unpriced one adds nothing but still counts as a run.
        Assert.Equal(0.05m, all.Cost);
        Assert.Equal(0.008333m, all.CostPerRun);
        FailureCount failure = Assert.Single(record.Failures);
        Assert.Equal(("publish", "tool-error", 2), (failure.Step, failure.Reason, failure.Count));
    }

    [Fact]
    public void Of_TwoVersionsAndModels_ComparesTheCurrentWithThePrevious()
    {
        WorkflowRecord record = WorkflowRecord.Of("wf", RecordWindow.Week, Now.AddDays(-7), Runs, truncated: false);

        Assert.Equal(["1.1.0", "1.0.0"], record.Versions.Select(v => v.Version).ToArray());
        Assert.Equal((4, 0.5, 0.04m), (record.Versions[0].Figures.Runs, record.Versions[0].Figures.DoneRate, record.Versions[0].Figures.Cost));
        Assert.Equal((2, 0.5, 0.01m), (record.Versions[1].Figures.Runs, record.Versions[1].Figures.DoneRate, record.Versions[1].Figures.Cost));
        ModelFigures newer = Assert.Single(record.Models, m => m.Model == "gpt-b");
        Assert.Equal((4, 1200L, 400L, 0.04m, 0.5), (newer.Runs, newer.PromptTokens, newer.CompletionTokens, newer.Cost, newer.DoneRate));
        Assert.Equal([(new DateOnly(2026, 3, 1), "1.0.0"), (new DateOnly(2026, 3, 2), "1.1.0")], record.Daily.Select(d => (d.Day, d.Version)).ToArray());
    }

    [Fact]
    public void Of_NoRuns_HasNoRatesRatherThanZeroes()
    {
        RecordFigures none = WorkflowRecord.Of("wf", RecordWindow.Day, Now.AddDays(-1), [], truncated: false).Overall;

        Assert.Equal(0, none.Runs);
        Assert.Null(none.DoneRate);
        Assert.Null(none.Cost);
        Assert.Null(none.ApprovalP50Seconds);
    }

    [Fact]
    public async Task GetAsync_Window24h_CountsOnlyTheLastDay()
    {
        var records = new InMemoryRunRecords();
        foreach (FinishedRun run in Runs)
        {
            await records.WriteAsync(run, CancellationToken.None);
        }

        var handler = new RecordHandler(new WorkflowCatalog([Loaded("wf")]), records, new FakeTimeProvider(Now));
        IResult result = await handler.GetAsync("wf", "24h", CancellationToken.None);

        WorkflowRecord record = Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.Ok<WorkflowRecord>>(result).Value!;
        Assert.Equal(("24h", 4), (record.Window, record.Overall.Runs));
    }

    [Theory]
    [InlineData("30d")]
    [InlineData("1h")]
    public async Task GetAsync_UnknownWindow_Is400NamingTheWindow(string window)
    {
        var handler = new RecordHandler(new WorkflowCatalog([Loaded("wf")]), new InMemoryRunRecords(), new FakeTimeProvider(Now));

        (int status, _, System.Text.Json.Nodes.JsonNode? body) = await ResultExecutor.ExecuteAsync(
            await handler.GetAsync("wf", window, CancellationToken.None), ResultExecutor.NewContext("GET"));

        Assert.Equal(400, status);
        Assert.Contains("\"window\"", body!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_UnknownWorkflow_Is404()
    {
        var handler = new RecordHandler(new WorkflowCatalog([Loaded("wf")]), new InMemoryRunRecords(), new FakeTimeProvider(Now));

        (int status, _, _) = await ResultExecutor.ExecuteAsync(await handler.GetAsync("nope", null, CancellationToken.None), ResultExecutor.NewContext("GET"));

        Assert.Equal(404, status);
    }

    static LoadedWorkflow Loaded(string name) =>
        TestDefinitions.Load(TestDefinitions.Workflow("""[{ "id": "a", "kind": "llm", "prompt": "p" }]""", name: name));
}
