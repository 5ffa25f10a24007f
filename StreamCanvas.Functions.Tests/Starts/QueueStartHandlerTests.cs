using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamCanvas.Definitions;
using StreamCanvas.Starts;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Starts;

/// <summary>The queue handler shared by both hosts, on the in-process Durable host with the poison queue on Azurite.</summary>
public sealed class QueueStartHandlerTests
{
    const string Input = """{ "title": "t", "text": "a text that is long enough to pass the schema of the summary flow, really" }""";

    [Fact]
    public async Task HandleAsync_SameMessageDeliveredTwice_StartsOneRun()
    {
        (QueueStartHandler handler, _) = await CreateAsync();
        await using InterpreterHost durable = await InterpreterHost.StartAsync();
        string text = $$"""{ "workflow": "document-summary", "input": {{Input}} }""";

        QueueStartResult first = await handler.HandleAsync(new QueueDelivery("msg-1", text, 1), durable.Client, CancellationToken.None);
        QueueStartResult second = await handler.HandleAsync(new QueueDelivery("msg-1", text, 2), durable.Client, CancellationToken.None);

        Assert.Equal(QueueStartResult.Started, first);
        Assert.Equal(QueueStartResult.AlreadyStarted, second);
        int runs = 0;
        await foreach (OrchestrationMetadata _ in durable.Client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = "document-summary:" }))
        {
            runs++;
        }

        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task HandleAsync_StartKeepsFailingOnLastDelivery_PoisonsWithReason()
    {
        (QueueStartHandler handler, QueueClient poison) = await CreateAsync(maxDequeueCount: 3);
        var broken = new Moq.Mock<DurableTaskClient>("broken");
        broken.Setup(c => c.GetInstanceAsync(Moq.It.IsAny<string>(), Moq.It.IsAny<bool>(), Moq.It.IsAny<CancellationToken>()))
            .Returns(Task.FromException<OrchestrationMetadata?>(new InvalidOperationException("task hub unavailable")));
        string text = $$"""{ "workflow": "document-summary", "input": {{Input}} }""";

        // Before the last delivery the failure is thrown, so the queue delivers the message again.
        await Assert.ThrowsAsync<InvalidOperationException>(() => handler.HandleAsync(new QueueDelivery("msg-2", text, 2), broken.Object, CancellationToken.None));
        QueueStartResult last = await handler.HandleAsync(new QueueDelivery("msg-2", text, 3), broken.Object, CancellationToken.None);

        Assert.Equal(QueueStartResult.Poisoned, last);
        QueueMessage message = Assert.Single((await poison.ReceiveMessagesAsync(32)).Value);
        JsonObject body = JsonNode.Parse(message.Body.ToString())!.AsObject();
        Assert.Equal(PoisonReasons.StartFailed, body["reason"]!.GetValue<string>());
        Assert.Contains("task hub unavailable", body["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(text, body["originalMessage"]!.GetValue<string>());
    }

    [Fact]
    public async Task HandleAsync_MessageWithTraceparent_RunJoinsTheProducersTrace()
    {
        using var telemetry = new TelemetryCapture(StreamCanvas.Telemetry.StreamCanvasTelemetry.DurableTaskSource);
        (QueueStartHandler handler, _) = await CreateAsync();
        await using InterpreterHost durable = await InterpreterHost.StartAsync();
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        string text = $$"""{ "workflow": "document-summary", "input": {{Input}}, "traceparent": "00-{{traceId}}-00f067aa0ba902b7-01" }""";

        Assert.Equal(QueueStartResult.Started, await handler.HandleAsync(new QueueDelivery("msg-traced", text, 1), durable.Client, CancellationToken.None));

        System.Diagnostics.Activity consume = Assert.Single(telemetry.Spans(StreamCanvas.Telemetry.QueueStartTrace.SpanName), s => Equals(s.GetTagItem("messaging.message.id"), "msg-traced"));
        Assert.Equal((traceId, "00f067aa0ba902b7"), (consume.TraceId.ToHexString(), consume.ParentSpanId.ToHexString()));
        System.Diagnostics.Activity create = Assert.Single(telemetry.AllSpans(), s => s.DisplayName.StartsWith("create_orchestration", StringComparison.Ordinal) && s.ParentSpanId == consume.SpanId);
        Assert.Equal(traceId, create.TraceId.ToHexString());
    }

    [Fact]
    public async Task HandleAsync_InputNestedDeeperThanTheLimit_PoisonsAsInvalidInputNamingTheLimit()
    {
        (QueueStartHandler handler, QueueClient poison) = await CreateAsync();
        await using InterpreterHost durable = await InterpreterHost.StartAsync();
        // Deeper than the limit, yet within what the message parser reads (64 levels for the whole message).
        string nested = new string('[', 40) + new string(']', 40);
        string text = $$"""{ "workflow": "document-summary", "input": { "title": "t", "text": "{{new string('x', 60)}}", "x": {{nested}} } }""";

        QueueStartResult result = await handler.HandleAsync(new QueueDelivery("msg-deep", text, 1), durable.Client, CancellationToken.None);

        Assert.Equal(QueueStartResult.Poisoned, result);
        JsonObject body = JsonNode.Parse(Assert.Single((await poison.ReceiveMessagesAsync(32)).Value).Body.ToString())!.AsObject();
        Assert.Equal(PoisonReasons.InvalidInput, body["reason"]!.GetValue<string>());
        JsonNode error = Assert.Single(body["errors"]!.AsArray())!;
        Assert.Equal("/input", error["field"]!.GetValue<string>());
        Assert.Contains($"MaxDepth {InputLimits.MaxDepth}", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_MessageTooLargeForItsPoisonRecord_StoresTheOriginalInABlobAndTheRecordFits()
    {
        (QueueStartHandler handler, QueueClient poison) = await CreateAsync();
        await using InterpreterHost durable = await InterpreterHost.StartAsync();
        string text = "{ \"workflow\": \"document-summary\", \"input\": \"" + new string('x', 60_000) + "\" ";

        QueueStartResult result = await handler.HandleAsync(new QueueDelivery("msg-huge", text, 1), durable.Client, CancellationToken.None);

        Assert.Equal(QueueStartResult.Poisoned, result);
        QueueMessage message = Assert.Single((await poison.ReceiveMessagesAsync(32)).Value);
        JsonObject body = JsonNode.Parse(message.Body.ToString())!.AsObject();
        Assert.Equal(PoisonReasons.Malformed, body["reason"]!.GetValue<string>());
        Assert.Null(body["originalMessage"]);
        string[] blob = body["originalMessageBlob"]!.GetValue<string>().Split('/');
        var container = new Azure.Storage.Blobs.BlobContainerClient((await SharedAzurite.GetAsync()).ConnectionString, blob[0]);
        Assert.Equal(text, (await container.GetBlobClient(blob[1]).DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public void DecodeRaw_Base64OrPlainJson_ReturnsTheJson()
    {
        const string json = """{ "workflow": "w" }""";

        Assert.Equal(json, QueueStartMessage.DecodeRaw(json));
        Assert.Equal(json, QueueStartMessage.DecodeRaw(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json))));
    }

    static async Task<(QueueStartHandler Handler, QueueClient Poison)> CreateAsync(int maxDequeueCount = 5)
    {
        StreamCanvas.Standalone.Azurite azurite = await SharedAzurite.GetAsync();
        var options = Options.Create(new StartQueueOptions { Queue = "starts-" + SharedAzurite.NewTaskHub("h"), MaxDequeueCount = maxDequeueCount });
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = azurite.ConnectionString })
            .Build();
        var queues = new StartQueues(configuration, options);
        var starter = new RunStarter(DefinitionLoader.LoadDirectory(RepoPaths.Workflows), new GrantingStartClaims(), NullLogger<RunStarter>.Instance);
        return (new QueueStartHandler(starter, queues, options, TimeProvider.System, NullLogger<QueueStartHandler>.Instance), queues.PoisonQueue);
    }
}
