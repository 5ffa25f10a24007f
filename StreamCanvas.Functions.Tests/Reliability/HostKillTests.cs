using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Reliability;

/// <summary>
/// The standalone process killed (SIGKILL, no graceful stop) at seeded random points while 50 runs are in flight,
/// some of them waiting on approval gates that are decided while the host dies and comes back.
/// </summary>
[Collection(ReliabilitySuite.Name)]
public sealed class HostKillTests
{
    const int Runs = 50;
    const int Gated = 15;
    const int Kills = 3;
    const int Seed = 20251125;

    [Fact]
    public async Task HostKilledThreeTimesUnderLoad_EveryRunCompletesExactlyOnce_NoDecisionLost()
    {
        var random = new Random(Seed);
        var toolCalls = new ConcurrentDictionary<string, int>();
        await using var tool = await StubHttpServer.StartAsync(async context =>
        {
            string item = context.Request.Path.Value!.Split('/')[^1];
            toolCalls.AddOrUpdate(item, 1, (_, n) => n + 1);
            // Slow enough that kills land mid-call; an aborted call is delivered again after the restart.
            await Task.Delay(Random.Shared.Next(200, 2000), context.RequestAborted).ContinueWith(_ => { });
            if (!context.RequestAborted.IsCancellationRequested)
            {
                await context.Response.WriteAsJsonAsync(new { name = item });
            }
        });
        await using var host = await StandaloneHostProcess.StartAsync(
            new Dictionary<string, string> { ["Tools__Connections__echo__BaseUrl"] = tool.BaseUrl },
            workflowsPath: Path.Combine(AppContext.BaseDirectory, "TestWorkflows"));

        string[] ids = await Task.WhenAll(Enumerable.Range(0, Runs).Select(async i =>
        {
            JsonObject started = i < Gated
                ? await host.StartRunAsync("approval-gate", new { title = $"gate-{i}" }, idempotencyKey: $"kill-{i}")
                : await host.StartRunAsync("relay", new { item = $"item-{i}" }, idempotencyKey: $"kill-{i}");
            return started["instanceId"]!.GetValue<string>();
        }));
        string[] gated = ids[..Gated];

        using var stop = new CancellationTokenSource();
        var accepted = new ConcurrentDictionary<string, HttpStatusCode>();
        Task decider = DecideOneByOneAsync(host.Http, gated, accepted, stop.Token);
        for (int kill = 0; kill < Kills; kill++)
        {
            await Task.Delay(random.Next(500, 3000));
            await host.RestartAsync();
        }

        JsonObject[] finished = await Task.WhenAll(ids.Select(id => host.WaitForRunAsync(id, TimeSpan.FromSeconds(180))));
        await stop.CancelAsync();
        await decider;

        for (int i = 0; i < Runs; i++)
        {
            JsonObject run = finished[i];
            Assert.True(run["runtimeStatus"]!.GetValue<string>() == "Completed" && run["outcome"]!.GetValue<string>() == "succeeded", $"{ids[i]}: {run.ToJsonString()}");
            if (i < Gated)
            {
                Assert.Equal("approve", run["outputs"]!["review"]!["decision"]!.GetValue<string>());
                Assert.Contains($"gate-{i}", run["outputs"]!["draft"]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal($"item-{i}", run["outputs"]!["fetch"]!["name"]!.GetValue<string>());
                Assert.Contains($"item-{i}", run["outputs"]!["describe"]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
            }

            // Exactly once: each step appears once in the run's timeline, whatever was redelivered underneath.
            JsonObject history = (await host.Http.GetFromJsonAsync<JsonObject>($"api/runs/{Uri.EscapeDataString(ids[i])}/history"))!;
            string[] steps = history["steps"]!.AsArray().Select(s => s!["stepId"]!.GetValue<string>()).ToArray();
            Assert.Equal(i < Gated ? ["draft", "review"] : ["fetch", "describe", "summarize"], steps);
        }

        // No run was started twice and every gate's decision is recorded once: a second one is refused.
        JsonObject list = (await host.Http.GetFromJsonAsync<JsonObject>("api/runs?pageSize=500"))!;
        Assert.Equal(Runs, list["runs"]!.AsArray().Count);
        Assert.All(gated, id => Assert.True(accepted.ContainsKey(id), $"{id} was never decided"));
        Assert.Empty((await host.Http.GetFromJsonAsync<JsonArray>("api/approvals?status=pending"))!);
        Assert.All(Enumerable.Range(Gated, Runs - Gated), i => Assert.True(toolCalls[$"item-{i}"] >= 1));
    }

    /// <summary>
    /// Decides one gate every few hundred milliseconds, so decisions straddle the kills; a decision lost to a kill
    /// (connection reset, or claimed but not raised) is simply sent again, as an approver clicking twice would.
    /// </summary>
    static async Task DecideOneByOneAsync(HttpClient http, IReadOnlyList<string> gated, ConcurrentDictionary<string, HttpStatusCode> accepted, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && accepted.Count < gated.Count)
        {
            foreach (string id in gated.Where(id => !accepted.ContainsKey(id)))
            {
                try
                {
                    JsonObject gate = await GateDecisions.PendingGateAsync(http, id, TimeSpan.FromSeconds(5));
                    HttpStatusCode status = await GateDecisions.PostAsync(http, gate);
                    if (status is HttpStatusCode.Accepted or HttpStatusCode.Conflict)
                    {
                        accepted[id] = status;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TimeoutException or TaskCanceledException)
                {
                    // the host is down or restarting: try again on the next pass
                }

                await Task.Delay(300, CancellationToken.None);
            }
        }
    }
}
