using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;
using StreamCanvas.Definitions;
using StreamCanvas.Standalone;
using StreamCanvas.Starts;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Standalone;

/// <summary>The standalone start-queue listener on Azurite: its dequeue cap, as under the Functions host.</summary>
public sealed class StartQueueListenerTests
{
    const string Message = """{ "workflow": "document-summary", "input": { "title": "t", "text": "a text that is long enough to pass the schema of the summary flow" } }""";

    [Fact]
    public async Task StartTimesOutOnEveryDelivery_MessageLeavesForThePoisonQueueAtTheCap()
    {
        StreamCanvas.Standalone.Azurite azurite = await SharedAzurite.GetAsync();
        var options = Options.Create(new StartQueueOptions
        {
            Queue = "starts-" + SharedAzurite.NewTaskHub("l"),
            MaxDequeueCount = 2,
            VisibilityTimeoutSeconds = 5,
            MaxPollingIntervalMilliseconds = 200,
        });
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = azurite.ConnectionString })
            .Build();
        var queues = new StartQueues(configuration, options);
        var starter = new RunStarter(DefinitionLoader.LoadDirectory(RepoPaths.Workflows), new GrantingStartClaims(), NullLogger<RunStarter>.Instance);
        var handler = new QueueStartHandler(starter, queues, options, TimeProvider.System, NullLogger<QueueStartHandler>.Instance);

        // A timeout is an OperationCanceledException the start does not poison itself: only the listener's cap stops it.
        var client = new Mock<DurableTaskClient>("timing-out");
        client.Setup(c => c.GetInstanceAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .Returns(Task.FromException<OrchestrationMetadata?>(new TaskCanceledException("the task hub did not answer in time")));
        await queues.StartQueue.CreateIfNotExistsAsync();
        await queues.StartQueue.SendMessageAsync(Message);
        using var listener = new StartQueueListener(queues, handler, client.Object, options, NullLogger<StartQueueListener>.Instance);

        await listener.StartAsync(CancellationToken.None);
        List<JsonObject> poisoned;
        try
        {
            poisoned = await PoisonedOnceTheQueueIsEmptyAsync(queues);
        }
        finally
        {
            await listener.StopAsync(CancellationToken.None);
        }

        // Poisoned at the cap (a host slower than the visibility timeout may poison a redelivery once more).
        Assert.All(poisoned, p => Assert.Equal(PoisonReasons.StartFailed, p["reason"]!.GetValue<string>()));
        JsonObject first = poisoned.MinBy(p => p["dequeueCount"]!.GetValue<long>())!;
        Assert.Equal(2, first["dequeueCount"]!.GetValue<long>());
        Assert.Contains("did not answer in time", first["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(Message, first["originalMessage"]!.GetValue<string>());
    }

    /// <summary>The poison records, once the start queue holds no message at all (visible or not).</summary>
    static async Task<List<JsonObject>> PoisonedOnceTheQueueIsEmptyAsync(StartQueues queues)
    {
        // A cap for a listener that never poisons, not a speed expectation.
        var deadline = DateTime.UtcNow.AddMinutes(3);
        var poisoned = new List<JsonObject>();
        while (DateTime.UtcNow < deadline)
        {
            if (await queues.PoisonQueue.ExistsAsync())
            {
                poisoned.AddRange((await queues.PoisonQueue.ReceiveMessagesAsync(32)).Value.Select(m => JsonNode.Parse(m.Body.ToString())!.AsObject()));
            }

            if (poisoned.Count > 0 && (await queues.StartQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0)
            {
                return poisoned;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"the message did not leave the start queue for the poison queue ({poisoned.Count} poison records)");
    }
}
