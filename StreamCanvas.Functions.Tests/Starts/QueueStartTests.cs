using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace StreamCanvas.Tests.Starts;

/// <summary>The start queue end to end: messages put on the standalone process's storage, runs seen over HTTP.</summary>
public sealed class QueueStartTests
{
    const string SummaryText = "Durable Functions is an extension of Azure Functions that lets you write stateful functions in a serverless environment.";

    [Fact]
    public async Task QueueMessage_ValidStart_RunCompletes()
    {
        await using var host = await StandaloneHostProcess.StartAsync();
        QueueClient queue = await StartQueueAsync(host);

        // Base64, as the Functions trigger expects and most producers send.
        await queue.SendMessageAsync(Message("document-summary", new JsonObject { ["title"] = "Queued", ["text"] = SummaryText }, idempotencyKey: "queued-1", correlationId: "corr-1"));
        string id = await WaitForSingleRunAsync(host, "document-summary");
        JsonObject run = await host.WaitForRunAsync(id);

        Assert.Equal("Completed", run["runtimeStatus"]!.GetValue<string>());
        Assert.Equal("succeeded", run["outcome"]!.GetValue<string>());
        Assert.Equal("Queued", run["input"]!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task QueueMessage_Invalid_GoesToPoisonQueueWithReason()
    {
        await using var host = await StandaloneHostProcess.StartAsync();
        QueueClient queue = await StartQueueAsync(host);
        QueueClient poison = PoisonQueue(host);

        await queue.SendMessageAsync("{ not json");
        await queue.SendMessageAsync(Message("no-such-workflow", new JsonObject()));
        await queue.SendMessageAsync(Message("document-summary", new JsonObject { ["title"] = "missing text" }));

        List<JsonObject> poisoned = await ReceiveAllAsync(poison, expected: 3);
        Assert.Equal(["invalid-input", "malformed-message", "unknown-workflow"], poisoned.Select(p => p["reason"]!.GetValue<string>()).Order());
        JsonObject invalid = poisoned.Single(p => p["reason"]!.GetValue<string>() == "invalid-input");
        Assert.Contains(invalid["errors"]!.AsArray(), e => e!["field"]!.GetValue<string>().StartsWith("/input", StringComparison.Ordinal));
        Assert.Contains("missing text", invalid["originalMessage"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.All(poisoned, p => Assert.False(string.IsNullOrEmpty(p["messageId"]!.GetValue<string>())));

        // Nothing was started, and the start queue is empty: nothing dropped, nothing left to retry.
        Assert.Empty((await host.Http.GetFromJsonAsync<JsonObject>("api/runs"))!["runs"]!.AsArray());
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task QueueMessage_SentTwiceWithOneIdempotencyKey_StartsOneRun()
    {
        await using var host = await StandaloneHostProcess.StartAsync();
        QueueClient queue = await StartQueueAsync(host);
        string message = Message("document-summary", new JsonObject { ["title"] = "Twice", ["text"] = SummaryText }, idempotencyKey: "twice-1");

        await queue.SendMessageAsync(message);
        await queue.SendMessageAsync(message);
        string id = await WaitForSingleRunAsync(host, "document-summary");
        await host.WaitForRunAsync(id);
        await WaitUntilEmptyAsync(queue);

        JsonArray runs = (await host.Http.GetFromJsonAsync<JsonObject>("api/runs?workflow=document-summary"))!["runs"]!.AsArray();
        Assert.Equal(id, Assert.Single(runs)!["instanceId"]!.GetValue<string>());
    }

    internal static string Message(string workflow, JsonObject input, string? idempotencyKey = null, string? correlationId = null) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(new JsonObject
        {
            ["workflow"] = workflow,
            ["input"] = input,
            ["idempotencyKey"] = idempotencyKey,
            ["correlationId"] = correlationId,
        }.ToJsonString()));

    static async Task<QueueClient> StartQueueAsync(StandaloneHostProcess host)
    {
        var queue = new QueueClient(host.Settings["AzureWebJobsStorage"], host.Settings["WorkflowStarts__Queue"]);
        await queue.CreateIfNotExistsAsync();
        return queue;
    }

    static QueueClient PoisonQueue(StandaloneHostProcess host) =>
        new(host.Settings["AzureWebJobsStorage"], host.Settings["WorkflowStarts__Queue"] + "-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    static async Task<string> WaitForSingleRunAsync(StandaloneHostProcess host, string workflow)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            using HttpResponseMessage response = await host.Http.GetAsync($"api/runs?workflow={workflow}");
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}\n{host.Output}");
            JsonArray runs = JsonNode.Parse(body)!["runs"]!.AsArray();
            if (runs.Count > 0)
            {
                return runs[0]!["instanceId"]!.GetValue<string>();
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"no {workflow} run started from the queue\n{host.Output}");
    }

    static async Task<List<JsonObject>> ReceiveAllAsync(QueueClient queue, int expected)
    {
        var received = new List<JsonObject>();
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (received.Count < expected && DateTime.UtcNow < deadline)
        {
            if (await queue.ExistsAsync())
            {
                foreach (QueueMessage message in (await queue.ReceiveMessagesAsync(32)).Value)
                {
                    received.Add(JsonNode.Parse(message.Body.ToString())!.AsObject());
                }
            }

            await Task.Delay(250);
        }

        Assert.Equal(expected, received.Count);
        return received;
    }

    static async Task WaitUntilEmptyAsync(QueueClient queue)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while ((await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }
    }
}
