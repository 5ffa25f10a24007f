using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace StreamCanvas.Tests.Standalone;

/// <summary>The standalone host as a real process on real Azurite, started and polled over HTTP.</summary>
public sealed class StandaloneHostTests
{
    [Fact]
    public async Task StartRun_SampleWorkflow_CompletesWithOutputsAndDefinitionOfDone()
    {
        await using var host = await StandaloneHostProcess.StartAsync();

        JsonObject started = await host.StartRunAsync("document-summary", new
        {
            title = "Durable Functions",
            text = "Durable Functions is an extension of Azure Functions that lets you write stateful functions in a serverless environment.",
        });
        string id = started["instanceId"]!.GetValue<string>();
        JsonObject run = await host.WaitForRunAsync(id);

        Assert.StartsWith("document-summary:", id, StringComparison.Ordinal);
        Assert.Equal("Completed", run["runtimeStatus"]!.GetValue<string>());
        Assert.Equal("succeeded", run["outcome"]!.GetValue<string>());
        Assert.StartsWith("[offline]", run["outputs"]!["summarize"]!["summary"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.All(run["definitionOfDone"]!.AsArray(), c => Assert.True(c!["met"]!.GetValue<bool>()));
        Assert.True(run["totals"]!["totalTokens"]!.GetValue<int>() > 0);
        Assert.True(run["durationSeconds"]!.GetValue<double>() > 0);
    }

    [Fact]
    public async Task StartRun_SupportTriage_CallsTheToolAndBranches()
    {
        await using var host = await StandaloneHostProcess.StartAsync();

        JsonObject started = await host.StartRunAsync("support-triage", new { ticketId = "T-1", customerId = "acme42", subject = "Login fails", body = "Since this morning." });
        JsonObject run = await host.WaitForRunAsync(started["instanceId"]!.GetValue<string>());

        Assert.Equal("succeeded", run["outcome"]!.GetValue<string>());
        Assert.Equal("acme42", run["outputs"]!["lookup"]!["id"]!.GetValue<string>());
        JsonObject outputs = run["outputs"]!.AsObject();
        Assert.True(outputs.ContainsKey("reply") ^ outputs.ContainsKey("escalate"));
    }

    [Fact]
    public async Task HostKilledMidStep_RestartedHost_FinishesTheRunExactlyOnce()
    {
        int calls = 0;
        var firstCallArrived = new TaskCompletionSource();
        await using var tool = await StubHttpServer.StartAsync(async context =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                firstCallArrived.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            }

            await context.Response.WriteAsJsonAsync(new { name = "widget" });
        });
        await using var host = await StandaloneHostProcess.StartAsync(
            new Dictionary<string, string> { ["Tools__Connections__slow__BaseUrl"] = tool.BaseUrl },
            workflowsPath: Path.Combine(AppContext.BaseDirectory, "TestWorkflows"));

        JsonObject started = await host.StartRunAsync("slow-tool", new { item = "w1" }, idempotencyKey: "restart-1");
        string id = started["instanceId"]!.GetValue<string>();
        await firstCallArrived.Task.WaitAsync(TimeSpan.FromMinutes(3));
        await host.RestartAsync();
        JsonObject run = await host.WaitForRunAsync(id);

        Assert.Equal("Completed", run["runtimeStatus"]!.GetValue<string>());
        Assert.Equal("succeeded", run["outcome"]!.GetValue<string>());
        Assert.Equal("widget", run["outputs"]!["fetch"]!["name"]!.GetValue<string>());
        Assert.Contains("widget", run["outputs"]!["describe"]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
        JsonObject history = (await host.Http.GetFromJsonAsync<JsonObject>($"api/runs/{Uri.EscapeDataString(id)}/history"))!;
        Assert.Equal(["fetch", "describe"], history["steps"]!.AsArray().Select(s => s!["stepId"]!.GetValue<string>()));
        Assert.True(calls >= 2, "the interrupted tool call is delivered again after the restart");

        // Repeating the start after the restart finds the same run and starts nothing new.
        JsonObject again = await host.StartRunAsync("slow-tool", new { item = "w1" }, idempotencyKey: "restart-1");
        Assert.Equal(id, again["instanceId"]!.GetValue<string>());
    }
}
