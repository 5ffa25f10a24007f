using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace StreamCanvas.Tests.Reliability;

/// <summary>
/// A tool that fails intermittently and a model endpoint answering 429 and 500, on the real process with the
/// OpenAI-compatible provider: retries follow each step's policy, and a failure names the step and the reason.
/// </summary>
[Collection(ReliabilitySuite.Name)]
public sealed class FlakyDependencyTests
{
    [Fact]
    public async Task IntermittentToolAndModel_RetriesFollowThePolicy_FailuresCarryStepAndReason()
    {
        var toolCalls = new ConcurrentDictionary<string, int>();
        await using var tool = await StubHttpServer.StartAsync(async context =>
        {
            string item = context.Request.Path.Value!.Split('/')[^1];
            int call = toolCalls.AddOrUpdate(item, 1, (_, n) => n + 1);
            bool fail = item switch { "recovers" => call <= 2, "down" => true, _ => false };
            context.Response.StatusCode = fail ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status201Created;
            await context.Response.WriteAsJsonAsync(fail ? new { item = "", error = "busy" } : new { item, error = "" });
        });
        await using var model = await OpenAIStub.StartAsync();
        await using var host = await StandaloneHostProcess.StartAsync(
            new Dictionary<string, string>
            {
                ["Tools__Connections__flaky__BaseUrl"] = tool.BaseUrl,
                ["Model__Provider"] = "openai-compatible",
                ["Model__Endpoint"] = model.BaseUrl,
                ["Model__ApiKey"] = "test-key",
                ["Model__DefaultModel"] = "gpt-stub",
                // The client pipeline's own retries off: every attempt the test counts is the step's policy.
                ["Model__MaxRetries"] = "0",
            },
            workflowsPath: Path.Combine(AppContext.BaseDirectory, "TestWorkflows"));

        // 1. Tool fails twice then works; model answers 429 (Retry-After), then 500, then a completion.
        model.Enqueue(
            OpenAIStub.Reply.Error(429, "slow down", new Dictionary<string, string> { ["retry-after"] = "1" }),
            OpenAIStub.Reply.Error(500, "boom"),
            OpenAIStub.Reply.Completion("all about recovers"));
        JsonObject recovered = await RunAsync(host, "recovers");
        Assert.Equal(("Completed", "succeeded"), (recovered["runtimeStatus"]!.GetValue<string>(), recovered["outcome"]!.GetValue<string>()));
        Assert.Equal("all about recovers", recovered["outputs"]!["write"]!["text"]!.GetValue<string>());
        Assert.Equal(3, toolCalls["recovers"]);
        Assert.Equal(3, model.Requests.Count);
        JsonArray steps = await StepsAsync(host, recovered);
        Assert.Equal([3, 3], steps.Select(s => s!["attempts"]!.GetValue<int>()));

        // 2. Tool down for good: four attempts (maxAttempts), then the run fails on that step as a tool error.
        JsonObject toolDown = await RunAsync(host, "down");
        Assert.Equal("Failed", toolDown["runtimeStatus"]!.GetValue<string>());
        Assert.Equal(("publish", "tool-error"), (toolDown["failure"]!["stepId"]!.GetValue<string>(), toolDown["failure"]!["reason"]!.GetValue<string>()));
        Assert.Contains("503", toolDown["failure"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(4, toolCalls["down"]);
        Assert.Equal(3, model.Requests.Count);

        // 3. Model failing for good: three attempts, then the run fails on the model step with the model's reason.
        model.Enqueue(OpenAIStub.Reply.Error(500, "still broken"));
        JsonObject modelDown = await RunAsync(host, "fine");
        Assert.Equal("Failed", modelDown["runtimeStatus"]!.GetValue<string>());
        Assert.Equal(("write", "model-error"), (modelDown["failure"]!["stepId"]!.GetValue<string>(), modelDown["failure"]!["reason"]!.GetValue<string>()));
        Assert.Contains("500", modelDown["failure"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(6, model.Requests.Count);
        Assert.Equal(1, toolCalls["fine"]);
    }

    static async Task<JsonObject> RunAsync(StandaloneHostProcess host, string item)
    {
        JsonObject started = await host.StartRunAsync("flaky", new { item });
        return await host.WaitForRunAsync(started["instanceId"]!.GetValue<string>());
    }

    static async Task<JsonArray> StepsAsync(StandaloneHostProcess host, JsonObject run)
    {
        JsonObject history = (await host.Http.GetFromJsonAsync<JsonObject>($"api/runs/{Uri.EscapeDataString(run["instanceId"]!.GetValue<string>())}/history"))!;
        return history["steps"]!.AsArray();
    }
}
