using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
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
    /// <summary>The queue service's limit on a message, which for base64 applies to the encoded text.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    readonly Lazy<Task> poisonCreated;
    readonly Lazy<Task> payloadsCreated;

    public StartQueues(IConfiguration configuration, IOptions<StartQueueOptions> options)
    {
        StartQueueOptions settings = options.Value;

        // Raw text: the standalone reader accepts both base64 (what the Functions trigger expects) and plain JSON.
        StartQueue = Create(configuration, settings.Queue, QueueMessageEncoding.None);

        // Base64, the Functions default, so portal and Storage Explorer show poison messages as text.
        PoisonQueue = Create(configuration, settings.PoisonQueueName, QueueMessageEncoding.Base64);
        poisonCreated = new Lazy<Task>(() => PoisonQueue.CreateIfNotExistsAsync());

        // Queue and container names follow the same rules, so the poison queue's name names its payload container.
        PoisonPayloads = StorageClients.Blobs(configuration).GetBlobContainerClient(settings.PoisonQueueName);
        payloadsCreated = new Lazy<Task>(() => PoisonPayloads.CreateIfNotExistsAsync());
    }

    /// <summary>Where an original message too large to travel inside its poison record is kept (blob "&lt;messageId&gt;.txt").</summary>
    public BlobContainerClient PoisonPayloads { get; }

    public QueueClient StartQueue { get; }
    public QueueClient PoisonQueue { get; }

    /// <summary>
    /// Sends <paramref name="record"/> with the original message in it, or, when that would exceed the queue's
    /// limit, with the original stored as a blob and named in "originalMessageBlob": the record always fits, so a
    /// message can always leave the start queue.
    /// </summary>
    public async Task SendToPoisonAsync(JsonObject record, string messageId, string originalMessage, CancellationToken cancellationToken)
    {
        await poisonCreated.Value;
        record["originalMessage"] = originalMessage;
        if (EncodedBytes(record) > MaxMessageBytes)
        {
            await payloadsCreated.Value;
            BlobClient blob = PoisonPayloads.GetBlobClient($"{messageId}.txt");
            await blob.UploadAsync(BinaryData.FromString(originalMessage), overwrite: true, cancellationToken);
            record.Remove("originalMessage");
            record["originalMessageBlob"] = $"{PoisonPayloads.Name}/{blob.Name}";
            if (EncodedBytes(record) > MaxMessageBytes)
            {
                // Thousands of field errors: the detail says what is wrong, the first errors show where.
                record["errors"] = new JsonArray([.. (record["errors"] as JsonArray ?? []).Take(20).Select(e => e?.DeepClone())]);
                record["detail"] = record["detail"]?.ToString() is { Length: > 2000 } detail ? detail[..2000] + "…" : record["detail"]?.DeepClone();
            }
        }

        await PoisonQueue.SendMessageAsync(record.ToJsonString(), cancellationToken);
    }

    static int EncodedBytes(JsonObject record) => (System.Text.Encoding.UTF8.GetByteCount(record.ToJsonString()) + 2) / 3 * 4;

    static QueueClient Create(IConfiguration configuration, string queue, QueueMessageEncoding encoding)
    {
        var clientOptions = new QueueClientOptions { MessageEncoding = encoding };
        return StorageClients.Queue(configuration, queue, clientOptions);
    }
}
