using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using StreamCanvas.Definitions;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Api;

/// <summary>Every operator route on the standalone host, over HTTP, on real Azurite.</summary>
public sealed class OperatorApiTests(OperatorHost fixture) : IClassFixture<OperatorHost>
{
    HttpClient Http => fixture.Http;

    [Fact]
    public async Task ListRuns_MoreRunsThanOnePage_PagesThroughEveryRunOnce()
    {
        var started = new List<string>();
        for (int i = 0; i < 7; i++)
        {
            JsonObject run = await fixture.Host.StartRunAsync("support-triage", new { ticketId = $"T-{i}", customerId = $"c{i}", subject = "Login fails", body = "Since this morning." });
            started.Add(run["instanceId"]!.GetValue<string>());
        }

        foreach (string id in started)
        {
            await fixture.Host.WaitForRunAsync(id);
        }

        var seen = new List<string>();
        string? url = "api/runs?workflow=support-triage&pageSize=3";
        int pages = 0;
        while (url is not null && pages++ < 20)
        {
            JsonObject page = (await Http.GetFromJsonAsync<JsonObject>(url))!;
            JsonArray runs = page["runs"]!.AsArray();
            Assert.True(runs.Count <= 3);
            seen.AddRange(runs.Select(r => r!["instanceId"]!.GetValue<string>()));
            url = page["next"]?.GetValue<string>();
        }

        Assert.Equal(started.Order(), seen.Order());
        Assert.True(pages >= 3, $"7 runs at 3 a page take at least 3 pages, took {pages}");
    }

    [Fact]
    public async Task ListRuns_FilteredByStatusAndCreatedTime_ReturnsOnlyMatches()
    {
        string completed = await fixture.CompletedSummaryAsync("filter");
        string waiting = await fixture.WaitingAtGateAsync("filtering runs");

        JsonArray running = await ListAsync("api/runs?status=Running&workflow=content-publishing");
        JsonArray done = await ListAsync("api/runs?status=completed,failed&workflow=document-summary");
        JsonArray future = await ListAsync($"api/runs?createdFrom={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(5).ToString("O"))}");
        JsonArray past = await ListAsync($"api/runs?createdTo={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(5).ToString("O"))}");

        Assert.Contains(running, r => r!["instanceId"]!.GetValue<string>() == waiting);
        Assert.All(running, r => Assert.Equal("Running", r!["runtimeStatus"]!.GetValue<string>()));
        Assert.Contains(done, r => r!["instanceId"]!.GetValue<string>() == completed);
        Assert.DoesNotContain(done, r => r!["instanceId"]!.GetValue<string>() == waiting);
        Assert.Empty(future);
        Assert.Contains(past, r => r!["instanceId"]!.GetValue<string>() == waiting);
        Assert.Equal("waiting-for-approval", running.Single(r => r!["instanceId"]!.GetValue<string>() == waiting)!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task ListRuns_UnknownStatus_Returns400Problem()
    {
        using HttpResponseMessage response = await Http.GetAsync("api/runs?status=Sleeping&pageSize=0");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        JsonObject problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(["pageSize", "status"], problem["errors"]!.AsArray().Select(e => e!["field"]!.GetValue<string>()).Order());
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("eyJ4IjoxfQ")]
    public async Task ListRuns_TokenThisApiNeverIssued_Returns400NamingTheToken(string token)
    {
        using HttpResponseMessage response = await Http.GetAsync($"api/runs?continuationToken={token}");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        JsonObject problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("continuationToken", problem["errors"]![0]!["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetRun_WaitingAtGate_ShowsCurrentStepGateAndTotalsSoFar()
    {
        string id = await fixture.WaitingAtGateAsync("get a waiting run");

        JsonObject run = (await Http.GetFromJsonAsync<JsonObject>(OperatorHost.RunUrl(id)))!;

        Assert.Equal("review", run["currentStep"]!.GetValue<string>());
        Assert.Equal("review-1", run["gate"]!["gateId"]!.GetValue<string>());
        Assert.True(run["totals"]!["totalTokens"]!.GetValue<int>() > 0);
        Assert.Equal(1, run["totals"]!["stepsExecuted"]!.GetValue<int>());
    }

    [Fact]
    public async Task GetRunHistory_RunningAndTerminatedRun_ListsStepsSoFar()
    {
        string id = await fixture.WaitingAtGateAsync("history while waiting");

        JsonObject waiting = (await Http.GetFromJsonAsync<JsonObject>(OperatorHost.RunUrl(id, "/history")))!;
        (await Http.PostAsync(OperatorHost.RunUrl(id, "/terminate"), null)).EnsureSuccessStatusCode();
        await fixture.WaitForAsync(id, r => r["runtimeStatus"]!.GetValue<string>() == "Terminated");
        JsonObject terminated = (await Http.GetFromJsonAsync<JsonObject>(OperatorHost.RunUrl(id, "/history")))!;

        JsonObject draft = Assert.Single(waiting["steps"]!.AsArray())!.AsObject();
        Assert.Equal("draft", draft["stepId"]!.GetValue<string>());
        Assert.Equal(1, draft["attempts"]!.GetValue<int>());
        Assert.True(draft["tokens"]!["prompt"]!.GetValue<int>() > 0);
        Assert.True(draft["durationMilliseconds"]!.GetValue<double>() >= 0);
        Assert.Equal("review-1", waiting["openGate"]!["gateId"]!.GetValue<string>());
        Assert.Equal("editor", waiting["openGate"]!["level"]!.GetValue<string>());
        Assert.Equal("Terminated", terminated["runtimeStatus"]!.GetValue<string>());
        Assert.Equal("draft", Assert.Single(terminated["steps"]!.AsArray())!["stepId"]!.GetValue<string>());
    }

    [Fact]
    public async Task SuspendResumeTerminate_WaitingRun_FollowTheStateAnd409WhenNotValid()
    {
        string id = await fixture.WaitingAtGateAsync("suspend and resume");

        await AssertProblemAsync(await Http.PostAsync(OperatorHost.RunUrl(id, "/resume"), null), HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.Accepted, (await Http.PostAsync(OperatorHost.RunUrl(id, "/suspend?reason=maintenance"), null)).StatusCode);
        await fixture.WaitForAsync(id, r => r["runtimeStatus"]!.GetValue<string>() == "Suspended");
        await AssertProblemAsync(await Http.PostAsync(OperatorHost.RunUrl(id, "/suspend"), null), HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.Accepted, (await Http.PostAsync(OperatorHost.RunUrl(id, "/resume"), null)).StatusCode);
        await fixture.WaitForAsync(id, r => r["runtimeStatus"]!.GetValue<string>() == "Running");
        Assert.Equal(HttpStatusCode.Accepted, (await Http.PostAsync(OperatorHost.RunUrl(id, "/terminate"), null)).StatusCode);
        await fixture.WaitForAsync(id, r => r["runtimeStatus"]!.GetValue<string>() == "Terminated");
        await AssertProblemAsync(await Http.PostAsync(OperatorHost.RunUrl(id, "/terminate"), null), HttpStatusCode.Conflict);
        await AssertProblemAsync(await Http.PostAsync(OperatorHost.RunUrl(id, "/suspend"), null), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task RestartRun_FinishedRun_StartsANewRunWithTheSameInput()
    {
        string id = await fixture.CompletedSummaryAsync("restart me");

        using HttpResponseMessage response = await Http.PostAsync(OperatorHost.RunUrl(id, "/restart"), null);
        JsonObject body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        string newId = body["instanceId"]!.GetValue<string>();
        JsonObject restarted = await fixture.Host.WaitForRunAsync(newId);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.NotEqual(id, newId);
        Assert.StartsWith("document-summary:", newId, StringComparison.Ordinal);
        Assert.Equal(id, body["restartedFrom"]!.GetValue<string>());
        Assert.Equal("restart me", restarted["input"]!["title"]!.GetValue<string>());
        Assert.Equal("Completed", restarted["runtimeStatus"]!.GetValue<string>());
    }

    [Fact]
    public async Task RestartRun_StillRunning_Returns409()
    {
        string id = await fixture.WaitingAtGateAsync("restart while running");

        await AssertProblemAsync(await Http.PostAsync(OperatorHost.RunUrl(id, "/restart"), null), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task RaiseEvent_RunningOrFinishedOrReservedName_AcceptsOrRefuses()
    {
        string waiting = await fixture.WaitingAtGateAsync("events");
        string finished = await fixture.CompletedSummaryAsync("events done");

        using HttpResponseMessage accepted = await Http.PostAsync(OperatorHost.RunUrl(waiting, "/events/nudge"), JsonContent.Create(new { note = "hello" }));
        using HttpResponseMessage reserved = await Http.PostAsync(OperatorHost.RunUrl(waiting, "/events/approval:review-1"), JsonContent.Create(new { }));
        using HttpResponseMessage tooLate = await Http.PostAsync(OperatorHost.RunUrl(finished, "/events/nudge"), null);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await AssertProblemAsync(reserved, HttpStatusCode.BadRequest);
        await AssertProblemAsync(tooLate, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task PurgeRun_FinishedRun_RemovesOnlyThatRun()
    {
        string purged = await fixture.CompletedSummaryAsync("purge me");
        string kept = await fixture.CompletedSummaryAsync("keep me");
        string running = await fixture.WaitingAtGateAsync("keep me running");

        await AssertProblemAsync(await Http.DeleteAsync(OperatorHost.RunUrl(running)), HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.OK, (await Http.DeleteAsync(OperatorHost.RunUrl(purged))).StatusCode);

        await AssertProblemAsync(await Http.GetAsync(OperatorHost.RunUrl(purged)), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Http.DeleteAsync(OperatorHost.RunUrl(purged)), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync(OperatorHost.RunUrl(kept))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync(OperatorHost.RunUrl(running))).StatusCode);
    }

    [Fact]
    public async Task PurgeRun_DecidedRun_DeletesItsDecisionRowsAndStartClaim()
    {
        string id = await fixture.WaitingAtGateAsync("purge my decision");
        JsonObject finished = await GateDecisions.DecideAsync(fixture.Host, id);
        Assert.Equal("Completed", finished["runtimeStatus"]!.GetValue<string>());
        var tables = new TableServiceClient(fixture.Host.Settings["AzureWebJobsStorage"]);
        TableClient decisions = tables.GetTableClient(ApprovalDecisionStore.TableName);
        TableClient starts = tables.GetTableClient(TableStartClaims.TableName);
        string partition = Uri.EscapeDataString(id);

        // A claim a start left behind (it died between claiming and scheduling): the purge removes it as well.
        await starts.CreateIfNotExistsAsync();
        await starts.UpsertEntityAsync(new TableEntity(RunIds.WorkflowOf(id), partition) { ["ClaimedAt"] = DateTimeOffset.UtcNow });
        Assert.NotEmpty(await RowsAsync(decisions, partition));

        Assert.Equal(HttpStatusCode.OK, (await Http.DeleteAsync(OperatorHost.RunUrl(id))).StatusCode);

        Assert.Empty(await RowsAsync(decisions, partition));
        Assert.False((await starts.GetEntityIfExistsAsync<TableEntity>(RunIds.WorkflowOf(id), partition)).HasValue);
    }

    static async Task<List<string>> RowsAsync(TableClient table, string partition)
    {
        var rows = new List<string>();
        await foreach (TableEntity row in table.QueryAsync<TableEntity>(e => e.PartitionKey == partition))
        {
            rows.Add(row.RowKey);
        }

        return rows;
    }

    [Fact]
    public async Task PurgeRuns_CompletedBefore_PurgesOlderFinishedRunsAndKeepsTheRest()
    {
        string older = await fixture.CompletedSummaryAsync("older");
        JsonObject olderRun = (await Http.GetFromJsonAsync<JsonObject>(OperatorHost.RunUrl(older)))!;
        DateTimeOffset cutoff = olderRun["lastUpdatedAt"]!.GetValue<DateTimeOffset>().AddMilliseconds(1);
        await Task.Delay(50);
        string newer = await fixture.CompletedSummaryAsync("newer");
        string running = await fixture.WaitingAtGateAsync("still running");

        using HttpResponseMessage response = await Http.DeleteAsync($"api/runs?completedBefore={Uri.EscapeDataString(cutoff.ToString("O"))}");
        JsonObject body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(body["instanceIds"]!.AsArray(), i => i!.GetValue<string>() == older);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync(OperatorHost.RunUrl(older))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync(OperatorHost.RunUrl(newer))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync(OperatorHost.RunUrl(running))).StatusCode);
        await AssertProblemAsync(await Http.DeleteAsync("api/runs"), HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("GET", "api/runs")]
    [InlineData("DELETE", "api/runs?completedBefore=2020-01-01T00:00:00Z")]
    [InlineData("GET", "api/runs/document-summary%3Aany")]
    [InlineData("DELETE", "api/runs/document-summary%3Aany")]
    [InlineData("GET", "api/runs/document-summary%3Aany/history")]
    [InlineData("POST", "api/runs/document-summary%3Aany/terminate")]
    [InlineData("POST", "api/runs/document-summary%3Aany/suspend")]
    [InlineData("POST", "api/runs/document-summary%3Aany/resume")]
    [InlineData("POST", "api/runs/document-summary%3Aany/restart")]
    [InlineData("POST", "api/runs/document-summary%3Aany/events/nudge")]
    [InlineData("GET", "api/workflows/readiness")]
    [InlineData("GET", "api/workflows/document-summary/readiness")]
    [InlineData("GET", "api/schedules")]
    [InlineData("POST", "api/schedules/daily-digest/pause")]
    [InlineData("POST", "api/schedules/daily-digest/resume")]
    public async Task OperatorRoute_MissingOrWrongKey_Returns401(string method, string url)
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Http.BaseAddress };
        using var wrong = new HttpClient { BaseAddress = fixture.Http.BaseAddress };
        wrong.DefaultRequestHeaders.Add("x-functions-key", "not-the-key");

        await AssertProblemAsync(await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), url)), HttpStatusCode.Unauthorized);
        await AssertProblemAsync(await wrong.SendAsync(new HttpRequestMessage(new HttpMethod(method), url)), HttpStatusCode.Unauthorized);
        await AssertProblemAsync(await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), url + (url.Contains('?') ? "&" : "?") + "code=wrong")), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Schedules_DailyDigestSample_IsListedPausedAndResumedOverHttp()
    {
        JsonObject list = (await Http.GetFromJsonAsync<JsonObject>("api/schedules"))!;
        JsonNode digest = Assert.Single(list["schedules"]!.AsArray(), s => s!["workflow"]!.GetValue<string>() == "daily-digest")!;
        Assert.Equal(("0 6 * * *", "Europe/Berlin", "runOnce"), (digest["cron"]!.GetValue<string>(), digest["timeZone"]!.GetValue<string>(), digest["missed"]!.GetValue<string>()));
        Assert.True(digest["nextOccurrence"]!.GetValue<DateTimeOffset>() > DateTimeOffset.UtcNow.AddMinutes(-1));

        using HttpResponseMessage paused = await Http.PostAsync("api/schedules/daily-digest/pause", null);
        bool listedPaused = (await Http.GetFromJsonAsync<JsonObject>("api/schedules"))!["schedules"]!.AsArray().Single(s => s!["workflow"]!.GetValue<string>() == "daily-digest")!["paused"]!.GetValue<bool>();
        using HttpResponseMessage resumed = await Http.PostAsync("api/schedules/daily-digest/resume", null);

        Assert.Equal((HttpStatusCode.OK, true), (paused.StatusCode, (await paused.Content.ReadFromJsonAsync<JsonObject>())!["paused"]!.GetValue<bool>()));
        Assert.True(listedPaused);
        Assert.Equal((HttpStatusCode.OK, false), (resumed.StatusCode, (await resumed.Content.ReadFromJsonAsync<JsonObject>())!["paused"]!.GetValue<bool>()));
        await AssertProblemAsync(await Http.PostAsync("api/schedules/document-summary/pause", null), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Http.PostAsync("api/schedules/no-such-flow/resume", null), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task OperatorRoute_KeyInCodeQuery_IsAccepted()
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Http.BaseAddress };

        using HttpResponseMessage response = await anonymous.GetAsync($"api/runs?pageSize=1&code={StandaloneHostProcess.OperatorKey}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("GET", "/history")]
    [InlineData("DELETE", "")]
    [InlineData("POST", "/terminate")]
    [InlineData("POST", "/suspend")]
    [InlineData("POST", "/resume")]
    [InlineData("POST", "/restart")]
    [InlineData("POST", "/events/nudge")]
    public async Task OperatorRoute_UnknownRun_Returns404Problem(string method, string suffix)
    {
        using HttpResponseMessage response = await Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), OperatorHost.RunUrl("document-summary:no-such-run", suffix)));

        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Readiness_OverHttp_AuditsEachDeployedWorkflowAndIs404ForAnUnknownOne()
    {
        JsonObject all = (await Http.GetFromJsonAsync<JsonObject>("api/workflows/readiness"))!;
        JsonObject one = (await Http.GetFromJsonAsync<JsonObject>("api/workflows/content-publishing/readiness"))!;

        Assert.Equal(6, all["workflows"]!.AsArray().Count);
        Assert.Equal("content-publishing", one["workflow"]!.GetValue<string>());
        Assert.Equal(
            ["trigger", "definitionOfDone", "toolAccess", "exceptionHandling", "humanOversight", "ownership"],
            one["traits"]!.AsArray().Select(t => t!["trait"]!.GetValue<string>()));
        Assert.Equal("pass", one["traits"]![4]!["outcome"]!.GetValue<string>());
        await AssertProblemAsync(await Http.GetAsync("api/workflows/no-such-flow/readiness"), HttpStatusCode.NotFound);
    }

    async Task<JsonArray> ListAsync(string url) => (await Http.GetFromJsonAsync<JsonObject>(url))!["runs"]!.AsArray();

    static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, JsonNode.Parse(body)!["status"]!.GetValue<int>());
    }
}
