using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace StreamCanvas.Storage;

/// <summary>
/// Clients of the start queue and its poison queue, on the storage account the task hub uses (AzureWebJobsStorage:
/// a connection string, or accountName for an identity-based connection, as the Functions host reads it).
/// </summary>
public sealed class StartQueues
{
    readonly Lazy<Task> poisonCreated;

    public StartQueues(IConfiguration configuration, IOptions<StartQueueOptions> options)
    {
        StartQueueOptions settings = options.Value;

        // Raw text: the standalone reader accepts both base64 (what the Functions trigger expects) and plain JSON.
        StartQueue = Create(configuration, settings.Queue, QueueMessageEncoding.None);

        // Base64, the Functions default, so portal and Storage Explorer show poison messages as text.
        PoisonQueue = Create(configuration, settings.PoisonQueueName, QueueMessageEncoding.Base64);
        poisonCreated = new Lazy<Task>(() => PoisonQueue.CreateIfNotExistsAsync());
    }

    public QueueClient StartQueue { get; }
    public QueueClient PoisonQueue { get; }

    public async Task SendToPoisonAsync(string text, CancellationToken cancellationToken)
    {
        await poisonCreated.Value;
        await PoisonQueue.SendMessageAsync(text, cancellationToken);
    }

    static QueueClient Create(IConfiguration configuration, string queue, QueueMessageEncoding encoding)
    {
        var clientOptions = new QueueClientOptions { MessageEncoding = encoding };
        return StorageClients.Queue(configuration, queue, clientOptions);
    }
}
