using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace StreamCanvas.Tests.Hosting;

/// <summary>A run finishes on the definition it started with, whatever is deployed while it waits.</summary>
public sealed class DefinitionVersionTests
{
    static string Definition(string version, string secondStepId, string prompt) => $$$"""
        {
          "name": "versioned",
          "version": "{{{version}}}",
          "description": "A tool wait, then one model step whose id changes between versions.",
          "owner": { "team": "Tests", "contact": "tests@example.com" },
          "inputSchema": { "type": "object", "properties": { "item": { "type": "string" } } },
          "steps": [
            { "id": "fetch", "kind": "tool", "connection": "slow", "path": "/items/{{input.item}}", "timeoutSeconds": 120 },
            { "id": "{{{secondStepId}}}", "kind": "llm", "prompt": "{{{prompt}}}" }
          ],
          "definitionOfDone": [ { "name": "fetched", "condition": { "path": "steps.fetch.status", "equals": 200 } } ]
        }
        """;

    [Fact]
    public async Task RedeployedDefinition_RunInFlight_FinishesOnTheVersionItStartedWith()
    {
        var release = new TaskCompletionSource();
        await using var tool = await StubHttpServer.StartAsync(async context =>
        {
            await release.Task.WaitAsync(context.RequestAborted).ContinueWith(_ => { });
            await context.Response.WriteAsJsonAsync(new { name = "thing" });
        });
        string folder = Directory.CreateTempSubdirectory().FullName;
        string file = Path.Combine(folder, "versioned.json");
        File.WriteAllText(file, Definition("1.0.0", "describe", "old prompt"));
        await using var host = await StandaloneHostProcess.StartAsync(new Dictionary<string, string> { ["Tools__Connections__slow__BaseUrl"] = tool.BaseUrl }, folder);

        string oldRun = (await host.StartRunAsync("versioned", new { item = "a" }))["instanceId"]!.GetValue<string>();
        JsonObject before = (await host.Http.GetFromJsonAsync<JsonObject>($"api/runs/{Uri.EscapeDataString(oldRun)}"))!;
        File.WriteAllText(file, Definition("2.0.0", "summarize", "new prompt"));
        await host.RestartAsync();
        release.SetResult();
        string newRun = (await host.StartRunAsync("versioned", new { item = "b" }))["instanceId"]!.GetValue<string>();

        JsonObject old = await host.WaitForRunAsync(oldRun);
        JsonObject @new = await host.WaitForRunAsync(newRun);

        Assert.Equal(("1.0.0", "succeeded"), (old["version"]!.GetValue<string>(), old["outcome"]!.GetValue<string>()));
        Assert.Contains("old prompt", old["outputs"]!["describe"]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(before["definitionHash"]!.GetValue<string>(), old["definitionHash"]!.GetValue<string>());
        Assert.Equal("2.0.0", @new["version"]!.GetValue<string>());
        Assert.Contains("new prompt", @new["outputs"]!["summarize"]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotEqual(old["definitionHash"]!.GetValue<string>(), @new["definitionHash"]!.GetValue<string>());

        JsonObject versions = (await host.Http.GetFromJsonAsync<JsonObject>("api/workflows/versioned/versions"))!;
        Assert.Equal("2.0.0", versions["deployed"]!["version"]!.GetValue<string>());
        var inUse = versions["versions"]!.AsArray().ToDictionary(v => v!["version"]!.GetValue<string>(), v => v!);
        Assert.Equal(1, inUse["1.0.0"]!["runs"]!.GetValue<int>());
        Assert.False(inUse["1.0.0"]!["deployed"]!.GetValue<bool>());
        Assert.Equal(1, inUse["2.0.0"]!["byStatus"]!["Completed"]!.GetValue<int>());
        Assert.True(inUse["2.0.0"]!["deployed"]!.GetValue<bool>());
    }
}
