using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using StreamCanvas.Api;
using StreamCanvas.Definitions;
using StreamCanvas.Schedules;
using StreamCanvas.Tests.Support;
using static StreamCanvas.Tests.Schedules.ScheduleTestKit;

namespace StreamCanvas.Tests.Schedules;

/// <summary>The operator routes for schedules (one handler for both hosts), with the tick that honours the pause.</summary>
public sealed class SchedulesHandlerTests : IAsyncLifetime
{
    readonly LoadedWorkflow workflow = Workflow(cron: "0 7 * * *");
    readonly LoadedWorkflow plain = TestDefinitions.Load(TestDefinitions.Workflow("""[ { "id": "a", "kind": "llm", "prompt": "p" } ]""", name: "plain-flow"));
    readonly InMemoryScheduleStates states = new();
    readonly FakeTimeProvider clock = new(Utc("2026-12-03T05:58:00Z"));
    InterpreterHost host = null!;

    public async Task InitializeAsync() => host = await InterpreterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    WorkflowCatalog Catalog => new([workflow, plain]);

    SchedulesHandler Handler => new(Catalog, states, OccurrenceStarts(Catalog, states), clock);

    [Fact]
    public async Task ListAsync_ScheduledWorkflows_ShowsCronZoneNextAndLastOccurrence()
    {
        await Due(Catalog, states, clock).StartDueAsync(host.Client, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(2.5));
        await Due(Catalog, states, clock).StartDueAsync(host.Client, CancellationToken.None);

        JsonNode body = (await ExecuteAsync(await Handler.ListAsync(CancellationToken.None))).Body!;

        JsonNode schedule = Assert.Single(body["schedules"]!.AsArray())!;
        Assert.Equal((workflow.Name, "0 7 * * *", "Europe/Berlin", "skip", false),
            (Text(schedule["workflow"]), Text(schedule["cron"]), Text(schedule["timeZone"]), Text(schedule["missed"]), schedule["paused"]!.GetValue<bool>()));
        Assert.Equal(Utc("2026-12-04T06:00:00Z"), schedule["nextOccurrence"]!.GetValue<DateTimeOffset>());
        Assert.Equal(Utc("2026-12-03T06:00:00Z"), schedule["lastOccurrence"]!.GetValue<DateTimeOffset>());
        Assert.Equal(RunIds.ForOccurrence(workflow.Name, Utc("2026-12-03T06:00:00Z")), Text(schedule["lastRunId"]));
    }

    [Fact]
    public async Task PauseAsync_OccurrenceWhilePaused_StartsNoRunAndAfterResumeTheNextOneRuns()
    {
        DueOccurrences due = Due(Catalog, states, clock);
        await due.StartDueAsync(host.Client, CancellationToken.None);

        (int paused, _, JsonNode? pausedView) = await ExecuteAsync(await Handler.PauseAsync(workflow.Name, CancellationToken.None));
        clock.Advance(TimeSpan.FromMinutes(2.5));
        IReadOnlyList<OccurrenceStart> whilePaused = await due.StartDueAsync(host.Client, CancellationToken.None);
        (int resumed, _, JsonNode? resumedView) = await ExecuteAsync(await Handler.ResumeAsync(workflow.Name, CancellationToken.None));
        clock.Advance(TimeSpan.FromDays(1));
        IReadOnlyList<OccurrenceStart> afterResume = await due.StartDueAsync(host.Client, CancellationToken.None);

        Assert.Equal((200, true, 200, false), (paused, pausedView!["paused"]!.GetValue<bool>(), resumed, resumedView!["paused"]!.GetValue<bool>()));
        Assert.Equal(OccurrenceOutcomes.Paused, Assert.Single(whilePaused).Outcome);
        string next = RunIds.ForOccurrence(workflow.Name, Utc("2026-12-04T06:00:00Z"));
        Assert.Equal((OccurrenceOutcomes.Started, next), (Assert.Single(afterResume).Outcome, afterResume[0].InstanceId));
        Assert.Equal([next], await RunIdsAsync(host.Client, workflow.Name));
    }

    [Theory]
    [InlineData("no-such-flow", "no workflow named 'no-such-flow'")]
    [InlineData("plain-flow", "workflow 'plain-flow' has no schedule")]
    public async Task PauseAndResume_UnknownOrUnscheduledWorkflow_AreNotFoundProblems(string name, string detail)
    {
        foreach (Microsoft.AspNetCore.Http.IResult result in new[] { await Handler.PauseAsync(name, CancellationToken.None), await Handler.ResumeAsync(name, CancellationToken.None) })
        {
            (int status, Microsoft.AspNetCore.Http.IHeaderDictionary headers, JsonNode? body) = await ExecuteAsync(result);

            Assert.Equal(404, status);
            Assert.StartsWith("application/problem+json", headers.ContentType.ToString(), StringComparison.Ordinal);
            Assert.Equal(detail, Text(body!["detail"]));
            Assert.Equal("workflow", Text(body["errors"]![0]!["field"]));
        }

        Assert.Null(await states.GetAsync(name, CancellationToken.None));
    }

    static Task<(int Status, Microsoft.AspNetCore.Http.IHeaderDictionary Headers, JsonNode? Body)> ExecuteAsync(Microsoft.AspNetCore.Http.IResult result) =>
        ResultExecutor.ExecuteAsync(result, ResultExecutor.NewContext("GET"));

    static string Text(JsonNode? node) => node!.GetValue<string>();
}
