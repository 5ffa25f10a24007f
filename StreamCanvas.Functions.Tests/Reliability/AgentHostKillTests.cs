using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace StreamCanvas.Tests.Reliability;

/// <summary>
/// An agent step's tool calls are durable: the standalone host is killed (no graceful stop) while the agent's second
/// tool call is in flight, after its first one finished. After the restart the run resumes at the unfinished call;
/// the finished one is not made again.
/// </summary>
[Collection(ReliabilitySuite.Name)]
public sealed class AgentHostKillTests
{
    [Fact]
    public async Task HostKilledBetweenTwoToolCalls_FinishedCallIsNotRepeated_RunCompletes()
    {
        var calls = new ConcurrentDictionary<string, int>();
        var secondCallStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var tool = await StubHttpServer.StartAsync(async context =>
        {
            string first = context.Request.Path.Value!.Split('/')[1];
            int count = calls.AddOrUpdate(first, 1, (_, n) => n + 1);
            if (first == "second" && count == 1)
            {
                // The host dies while this call is in flight: it never answers.
                secondCallStarted.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
                return;
            }

            await context.Response.WriteAsJsonAsync(new { name = first, at = context.Request.Path.Value });
        });
        await using var host = await StandaloneHostProcess.StartAsync(
            new Dictionary<string, string> { ["Tools__Connections__echo__BaseUrl"] = tool.BaseUrl },
            workflowsPath: Path.Combine(AppContext.BaseDirectory, "TestWorkflows"));

        string id = (await host.StartRunAsync("agent-relay", new { item = "kettle" }))["instanceId"]!.GetValue<string>();
        await secondCallStarted.Task.WaitAsync(TimeSpan.FromMinutes(3));
        await host.RestartAsync();
        JsonObject run = await host.WaitForRunAsync(id, TimeSpan.FromMinutes(5));

        Assert.True(run["runtimeStatus"]!.GetValue<string>() == "Completed" && run["outcome"]!.GetValue<string>() == "succeeded", $"{run.ToJsonString()}\n{host.Output}");
        Assert.Equal(1, calls["first"]);
        Assert.Equal(2, calls["second"]);
        JsonObject history = (await host.Http.GetFromJsonAsync<JsonObject>($"api/runs/{Uri.EscapeDataString(id)}/history"))!;
        JsonNode agent = Assert.Single(history["steps"]!.AsArray(), s => s!["stepId"]!.GetValue<string>() == "agent")!;
        Assert.Equal(["fetch_item", "fetch_details"], agent["turns"]!.AsArray().SelectMany(t => t!["toolCalls"]!.AsArray()).Select(c => c!["tool"]!.GetValue<string>()));
    }
}
