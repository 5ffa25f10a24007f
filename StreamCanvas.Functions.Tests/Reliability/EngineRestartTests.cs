using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using StreamCanvas.Api;
using StreamCanvas.Standalone;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Reliability;

/// <summary>
/// The first finding of issue 14, as a new user met it: the engine started as `dotnet run` starts it (its own
/// Azurite, default Durable timings) is SIGKILLed with runs in flight and gates open, then started again. The
/// Azurite it left behind must either serve the new engine or be replaced, and every run finishes exactly once.
/// </summary>
[Collection(ReliabilitySuite.Name)]
public sealed class EngineRestartTests
{
    const int Runs = 20;
    const int Gated = 8;

    [Fact]
    public async Task EngineKilled_StartedAgain_ComesBackOnWorkingStorage_EveryRunFinishesOnce()
    {
        string folder = Directory.CreateTempSubdirectory("streamcanvas-engine-restart-").FullName;
        var toolCalls = new ConcurrentDictionary<string, int>();
        try
        {
            await using var tool = await StubHttpServer.StartAsync(async context =>
            {
                string item = context.Request.Path.Value!.Split('/')[^1];
                toolCalls.AddOrUpdate(item, 1, (_, n) => n + 1);
                // Slow enough that the kill lands mid-call for some runs; an aborted call is made again after the restart.
                await Task.Delay(Random.Shared.Next(1000, 6000), context.RequestAborted).ContinueWith(_ => { });
                if (!context.RequestAborted.IsCancellationRequested)
                {
                    await context.Response.WriteAsJsonAsync(new { name = item });
                }
            });
            await using var host = await StandaloneHostProcess.StartOnOwnAzuriteAsync(folder,
                new Dictionary<string, string> { ["Tools__Connections__echo__BaseUrl"] = tool.BaseUrl },
                workflowsPath: Path.Combine(AppContext.BaseDirectory, "TestWorkflows"));
            AzuriteRecord azurite = AzuriteRecord.Read(folder) ?? throw new InvalidOperationException($"no {AzuriteRecord.FileName} in {folder}\n{host.Output}");

            string[] ids = await Task.WhenAll(Enumerable.Range(0, Runs).Select(async i =>
            {
                JsonObject started = i < Gated
                    ? await host.StartRunAsync("approval-gate", new { title = $"gate-{i}" })
                    : await host.StartRunAsync("relay", new { item = $"item-{i}" });
                return started["instanceId"]!.GetValue<string>();
            }));
            string[] gated = ids[..Gated];
            await Task.WhenAll(gated.Select(id => GateDecisions.PendingGateAsync(host.Http, id)));

            host.KillEngine();
            Assert.NotNull(azurite.FindRunning());

            await host.StartAgainAsync();

            // The emulator the killed engine left answers storage requests, so the new engine adopted it.
            Assert.Equal(azurite.ProcessId, AzuriteRecord.Read(folder)?.ProcessId);
            Assert.NotNull(azurite.FindRunning());

            foreach (string id in gated)
            {
                JsonObject gate = await GateDecisions.PendingGateAsync(host.Http, id);
                HttpStatusCode status = await GateDecisions.PostAsync(host.Http, gate);
                Assert.True(status is HttpStatusCode.Accepted, $"{id}: decision answered {(int)status}\n{host.Output}");
            }

            JsonObject[] finished = await Task.WhenAll(ids.Select(id => host.WaitForRunAsync(id, TimeSpan.FromMinutes(5))));
            for (int i = 0; i < Runs; i++)
            {
                JsonObject run = finished[i];
                Assert.True(run["runtimeStatus"]!.GetValue<string>() == "Completed" && run["outcome"]!.GetValue<string>() == "succeeded", $"{ids[i]}: {run.ToJsonString()}");
                JsonObject history = (await host.Http.GetFromJsonAsync<JsonObject>($"api/runs/{Uri.EscapeDataString(ids[i])}/history"))!;
                string[] steps = history["steps"]!.AsArray().Select(s => s!["stepId"]!.GetValue<string>()).ToArray();
                Assert.Equal(i < Gated ? ["draft", "review"] : ["fetch", "describe", "summarize"], steps);
            }

            JsonObject list = (await host.Http.GetFromJsonAsync<JsonObject>("api/runs?pageSize=500"))!;
            Assert.Equal(Runs, list["runs"]!.AsArray().Count);
            Assert.Empty((await host.Http.GetFromJsonAsync<JsonArray>("api/approvals?status=pending"))!);
            Assert.False(host.HasExited, host.Output);
        }
        finally
        {
            AzuriteRecord.Read(folder)?.FindRunning()?.Kill(entireProcessTree: true);
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task EngineKilledAfterAPostReachedTheCms_CallMadeAgain_TheCmsPublishesOneArticle()
    {
        var cms = new SampleCms();
        var firstCall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var keys = new ConcurrentQueue<string?>();
        await using var server = await StubHttpServer.StartAsync(async context =>
        {
            keys.Enqueue(context.Request.Headers["Idempotency-Key"]);
            IResult published = await cms.PublishAsync(context.Request, context.RequestAborted);
            if (firstCall.TrySetResult())
            {
                // The article exists, but the engine dies before it hears so (and before it checkpoints the step).
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
                return;
            }

            await published.ExecuteAsync(context);
        });
        await using var host = await StandaloneHostProcess.StartAsync(
            new Dictionary<string, string> { ["Tools__Connections__cms__BaseUrl"] = server.BaseUrl },
            workflowsPath: Path.Combine(AppContext.BaseDirectory, "TestWorkflows"));

        string id = (await host.StartRunAsync("publish-once", new { title = "Exactly once" }))["instanceId"]!.GetValue<string>();
        await firstCall.Task.WaitAsync(TimeSpan.FromMinutes(3));
        await host.RestartAsync();
        JsonObject run = await host.WaitForRunAsync(id, TimeSpan.FromMinutes(5));

        Assert.True(run["outcome"]?.GetValue<string>() == "succeeded", run.ToJsonString());
        Assert.True(keys.Count >= 2, $"the call was made {keys.Count} time(s)");
        Assert.Single(keys.Distinct());
        Assert.NotNull(keys.First());
        Assert.Equal(1, cms.Published);
    }
}
