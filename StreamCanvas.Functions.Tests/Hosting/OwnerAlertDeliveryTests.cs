using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace StreamCanvas.Tests.Hosting;

/// <summary>Owner alerts end to end: the standalone host on Azurite, a failing connection and a stub webhook channel.</summary>
public sealed class OwnerAlertDeliveryTests
{
    const string Definition = """
        {
          "name": "NAME",
          "version": "1.0.0",
          "description": "A publish that always fails, owned by a team with an alert channel.",
          "owner": { "team": "Ops", "contact": "ops@example.com", "alerts": "oncall" },
          "inputSchema": { "type": "object", "required": ["topic"], "properties": { "topic": { "type": "string" } } },
          "steps": [
            { "id": "publish", "kind": "tool", "connection": "down", "method": "POST", "path": "/articles",
              "body": { "topic": "{{input.topic}}" }, "expectStatus": [201], "onFailure": { "fail": "publish-failed" } }
          ],
          "waivers": { "humanOversight": "Test workflow: nothing reaches a person." },
          "definitionOfDone": [{ "name": "published", "condition": { "path": "steps.publish.status", "equals": 201 } }]
        }
        """;

    [Fact]
    public async Task FailedRuns_InOneWindow_AlertTheOwnerOnceWithTheRunAndStep()
    {
        // Alert claims live in one table per storage account, which every test host shares: a name of its own.
        string workflow = "alerting-" + Guid.NewGuid().ToString("N")[..8];
        var alerts = new ConcurrentQueue<JsonObject>();
        await using var down = await StubHttpServer.StartAsync(context =>
        {
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });
        await using var channel = await StubHttpServer.StartAsync(async context =>
        {
            alerts.Enqueue((await JsonNode.ParseAsync(context.Request.Body))!.AsObject());
            context.Response.StatusCode = 200;
        });
        string folder = Directory.CreateTempSubdirectory("streamcanvas-alerting-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "alerting.json"), Definition.Replace("NAME", workflow, StringComparison.Ordinal));
            await using var host = await StandaloneHostProcess.StartAsync(new Dictionary<string, string>
            {
                ["Tools__Connections__down__BaseUrl"] = down.BaseUrl,
                ["Approvals__Webhooks__oncall"] = channel.BaseUrl + "/alerts",

                // One window for the whole test, wherever the clock is: window starts are multiples of its length.
                ["Alerts__WindowMinutes"] = "1000000",
            }, workflowsPath: folder);

            var ids = new List<string>();
            for (int i = 0; i < 3; i++)
            {
                ids.Add((await host.StartRunAsync(workflow, new { topic = $"t{i}" }))["instanceId"]!.GetValue<string>());
            }

            // A run ends Failed only after its alert activity has finished, so every alert has been decided by now.
            foreach (string id in ids)
            {
                Assert.Equal("Failed", (await host.WaitForRunAsync(id))["runtimeStatus"]!.GetValue<string>());
            }

            JsonObject alert = Assert.Single(alerts);
            Assert.Equal((workflow, "run-failed", "publish", "publish-failed"),
                (alert["workflow"]!.GetValue<string>(), alert["condition"]!.GetValue<string>(), alert["step"]!.GetValue<string>(), alert["reason"]!.GetValue<string>()));
            Assert.Contains(alert["instanceId"]!.GetValue<string>(), ids);
            Assert.EndsWith($"/api/runs/{Uri.EscapeDataString(alert["instanceId"]!.GetValue<string>())}", alert["runUrl"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
