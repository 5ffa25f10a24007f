using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using StreamCanvas.Standalone;

namespace StreamCanvas.Tests.Reliability;

/// <summary>
/// Storage goes away under load and comes back: a private Azurite (never the shared one other tests use) is
/// stopped while runs are in flight and started again on the same ports and folder; the engine reconnects.
/// </summary>
[Collection(ReliabilitySuite.Name)]
public sealed class StorageRestartTests
{
    const int Runs = 20;

    [Fact]
    public async Task AzuriteRestartedUnderLoad_EngineReconnects_EveryRunCompletes()
    {
        string folder = Directory.CreateTempSubdirectory("streamcanvas-private-azurite-").FullName;
        Azurite azurite = await SharedAzurite.StartOnFreePortsAsync(folder);
        try
        {
            await using var tool = await StubHttpServer.StartAsync(async context =>
            {
                await Task.Delay(Random.Shared.Next(200, 1000), context.RequestAborted).ContinueWith(_ => { });
                if (!context.RequestAborted.IsCancellationRequested)
                {
                    await context.Response.WriteAsJsonAsync(new { name = context.Request.Path.Value!.Split('/')[^1] });
                }
            });
            await using var host = await StandaloneHostProcess.StartAsync(
                new Dictionary<string, string>
                {
                    ["AzureWebJobsStorage"] = azurite.ConnectionString,
                    ["Tools__Connections__echo__BaseUrl"] = tool.BaseUrl,
                },
                workflowsPath: Path.Combine(AppContext.BaseDirectory, "TestWorkflows"));

            string[] ids = await Task.WhenAll(Enumerable.Range(0, Runs).Select(async i =>
                (await host.StartRunAsync("relay", new { item = $"item-{i}" }))["instanceId"]!.GetValue<string>()));

            await Task.Delay(TimeSpan.FromSeconds(1));
            await StopAsync(azurite);
            Task<HttpResponseMessage> duringOutage = host.Http.GetAsync($"api/runs/{Uri.EscapeDataString(ids[0])}");
            await Task.Delay(TimeSpan.FromSeconds(5));
            azurite = await Azurite.StartAsync(folder, azurite.BlobPort, azurite.QueuePort, azurite.TablePort);

            // A request caught by the outage is told to retry (503 problem+json, Retry-After), never given a 500.
            using (HttpResponseMessage answer = await duringOutage)
            {
                Assert.True(answer.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
                if (answer.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
                    Assert.NotNull(answer.Headers.RetryAfter);
                }
            }

            for (int i = 0; i < Runs; i++)
            {
                JsonObject run = await host.WaitForRunAsync(ids[i]);
                Assert.True(run["outcome"]?.GetValue<string>() == "succeeded", $"{ids[i]}: {run.ToJsonString()}\n{host.Output}");
                Assert.Equal($"item-{i}", run["outputs"]!["fetch"]!["name"]!.GetValue<string>());
            }

            Assert.Equal(Runs, (await host.Http.GetFromJsonAsync<JsonObject>("api/runs?pageSize=500"))!["runs"]!.AsArray().Count);

            // Storage going away never stopped the engine: the same process served the whole time.
            Assert.False(host.HasExited, host.Output);
        }
        finally
        {
            await azurite.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// SIGTERM, as a storage service restarting would: Azurite keeps its metadata in memory and saves it on a timer
    /// or when its servers close, so a SIGKILL would lose acknowledged writes (an emulator artefact, not what is
    /// under test). Its process lingers after closing, so once the ports are closed and saved it is killed.
    /// </summary>
    static async Task StopAsync(Azurite azurite)
    {
        using Process signal = Process.Start("kill", ["-TERM", azurite.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        await signal.WaitForExitAsync();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (await Azurite.IsListeningAsync(azurite.BlobPort) || await Azurite.IsListeningAsync(azurite.QueuePort) || await Azurite.IsListeningAsync(azurite.TablePort))
        {
            Assert.True(DateTime.UtcNow < deadline, "Azurite did not close its ports after SIGTERM");
            await Task.Delay(100);
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        await azurite.DisposeAsync();
    }
}
