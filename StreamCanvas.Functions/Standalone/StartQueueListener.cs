using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamCanvas.Starts;
using StreamCanvas.Storage;

namespace StreamCanvas.Standalone;

/// <summary>
/// The standalone host's counterpart of the queue trigger: receives start messages in batches and hands each to
/// <see cref="QueueStartHandler"/>. A message is deleted once handled; after a failure it is left to reappear when
/// its visibility timeout ends, which is the retry.
/// </summary>
public sealed partial class StartQueueListener(
    StartQueues queues, QueueStartHandler handler, DurableTaskClient client, IOptions<StartQueueOptions> options, ILogger<StartQueueListener> logger)
    : BackgroundService
{
    static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        StartQueueOptions settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        QueueClient queue = queues.StartQueue;
        var maxWait = TimeSpan.FromMilliseconds(Math.Max(settings.MaxPollingIntervalMilliseconds, MinPollingInterval.TotalMilliseconds));
        TimeSpan wait = MinPollingInterval;
        bool created = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            QueueMessage[] batch;
            try
            {
                if (!created)
                {
                    await queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                    created = true;
                }

                batch = (await queue.ReceiveMessagesAsync(Math.Clamp(settings.BatchSize, 1, 32),
                    TimeSpan.FromSeconds(settings.VisibilityTimeoutSeconds), stoppingToken)).Value;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Any failure (storage down, a socket reset, a client bug) is logged and the loop goes on polling:
                // a listener that ends would stop queue starts until the engine is restarted.
                LogReceiveFailed(ex, queue.Name);
                batch = [];
            }

            if (batch.Length == 0)
            {
                // Back off while the queue is empty, so an idle host costs few storage transactions.
                await Task.Delay(wait, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, maxWait.Ticks));
                continue;
            }

            wait = MinPollingInterval;
            await Task.WhenAll(batch.Select(message => HandleAsync(queue, message, stoppingToken)));
        }
    }

    async Task HandleAsync(QueueClient queue, QueueMessage message, CancellationToken stoppingToken)
    {
        var delivery = new QueueDelivery(message.MessageId, QueueStartMessage.DecodeRaw(message.Body.ToString()), message.DequeueCount);
        try
        {
            await handler.HandleAsync(delivery, client, stoppingToken);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogDeliveryFailed(ex, message.MessageId, message.DequeueCount);
            if (message.DequeueCount >= options.Value.MaxDequeueCount)
            {
                await GiveUpAsync(queue, message, delivery, ex, stoppingToken);
            }
        }
    }

    /// <summary>The dequeue cap, as under the Functions host: a message that keeps failing leaves the queue for the poison queue.</summary>
    async Task GiveUpAsync(QueueClient queue, QueueMessage message, QueueDelivery delivery, Exception error, CancellationToken stoppingToken)
    {
        try
        {
            await handler.GiveUpAsync(delivery, error, stoppingToken);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogGiveUpFailed(ex, message.MessageId);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Queue message {MessageId} could not be moved to the poison queue; it will be delivered again")]
    partial void LogGiveUpFailed(Exception exception, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not receive from queue {Queue}; retrying")]
    partial void LogReceiveFailed(Exception exception, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue message {MessageId} (delivery {DequeueCount}) failed; it will be delivered again")]
    partial void LogDeliveryFailed(Exception exception, string messageId, long dequeueCount);
}
