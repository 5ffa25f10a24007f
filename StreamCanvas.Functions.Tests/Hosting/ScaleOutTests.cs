using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace StreamCanvas.Tests.Hosting;

/// <summary>Several standalone hosts on one task hub share the work through the provider's partition leases.</summary>
public sealed class ScaleOutTests
{
    [Fact]
    public async Task TwoHosts_OneKilledMidRun_TheOtherTakesOverAndFinishesItsRuns()
    {
        var callsByHost = new ConcurrentDictionary<string, int>();
        bool hostAKilled = false;
        await using var tool = await StubHttpServer.StartAsync(async context =>
        {
            string host = context.Request.Path.Value!.Split('/')[1];
            callsByHost.AddOrUpdate(host, 1, (_, n) => n + 1);
            if (host == "a" && !Volatile.Read(ref hostAKilled))
            {
                // Host A's calls hang until A is killed, so its runs are mid-flight when it dies.
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            }

            await context.Response.WriteAsJsonAsync(new { name = "item" });
        });
        string workflows = Path.Combine(AppContext.BaseDirectory, "TestWorkflows");
        string taskHub = SharedAzurite.NewTaskHub("scale");
        await using var hostA = await StandaloneHostProcess.StartAsync(Settings(taskHub, tool.BaseUrl + "/a"), workflows);
        await using var hostB = await StandaloneHostProcess.StartAsync(Settings(taskHub, tool.BaseUrl + "/b"), workflows);

        var ids = new List<string>();
        for (int i = 0; i < 8; i++)
        {
            JsonObject started = await hostB.StartRunAsync("slow-tool", new { item = $"i{i}" });
            ids.Add(started["instanceId"]!.GetValue<string>());
        }

        await WaitUntilAsync(() => callsByHost.ContainsKey("a"), TimeSpan.FromMinutes(3));
        Volatile.Write(ref hostAKilled, true);
        hostA.Kill();

        foreach (string id in ids)
        {
            JsonObject run = await hostB.WaitForRunAsync(id, TimeSpan.FromSeconds(120));
            Assert.Equal("succeeded", run["outcome"]!.GetValue<string>());
        }

        Assert.True(callsByHost["a"] >= 1, "host A was working on runs when it was killed");
        // A never answered a call, so every run's tool step, A's included, was finished by B.
        Assert.True(callsByHost["b"] >= ids.Count, $"B made {callsByHost["b"]} calls for {ids.Count} runs");
    }

    static Dictionary<string, string> Settings(string taskHub, string toolBaseUrl) => new()
    {
        ["TaskHubName"] = taskHub,
        ["Tools__Connections__slow__BaseUrl"] = toolBaseUrl,
        ["DurableTask__PartitionCount"] = "4",
    };

    static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met in time");
            }

            await Task.Delay(100);
        }
    }
}
