using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamCanvas.Definitions;
using StreamCanvas.Storage;

namespace StreamCanvas.Starts;

/// <summary>
/// One delivery of a start-queue message, under either host: starts its run through <see cref="RunStarter"/>, or
/// moves it to the poison queue with the reason. Returns when the message may be deleted; throws to have it
/// delivered again (a transient failure, before the last allowed delivery).
/// </summary>
public sealed partial class QueueStartHandler(
    RunStarter starter, StartQueues queues, IOptions<StartQueueOptions> options, TimeProvider clock, ILogger<QueueStartHandler> logger)
{
    public async Task<QueueStartResult> HandleAsync(QueueDelivery delivery, DurableTaskClient client, CancellationToken cancellationToken)
    {
        using System.Diagnostics.Activity? span = Telemetry.QueueStartTrace.Start(delivery.Text, delivery.MessageId);
        (QueueStartMessage? message, FieldError? parseProblem) = QueueStartMessage.Parse(delivery.Text);
        if (message is null)
        {
            // A malformed message stays malformed: poison it at once.
            return await PoisonAsync(delivery, PoisonReasons.Malformed, "the message is not a valid start message", [parseProblem!], cancellationToken);
        }

        // Without a key of its own, the message id makes a redelivered message find the run it already started.
        var command = new StartCommand(message.Workflow, message.Input, "queue",
            IdempotencyKey: message.IdempotencyKey ?? $"queue-message:{delivery.MessageId}",
            CorrelationId: message.CorrelationId,
            IdempotencyKeyField: "/idempotencyKey",
            InputField: "/input");
        StartOutcome outcome;
        try
        {
            outcome = await starter.StartAsync(command, client, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && delivery.DequeueCount >= options.Value.MaxDequeueCount)
        {
            return await PoisonAsync(delivery, PoisonReasons.StartFailed,
                $"the start failed on each of {delivery.DequeueCount} deliveries; last error: {ex.Message}", [], cancellationToken);
        }

        if (outcome.Rejection is { } rejection)
        {
            // Unknown workflow, invalid input, a key reused with another input: a retry would fail the same way.
            string reason = rejection.Status switch
            {
                StatusCodes.Status404NotFound => PoisonReasons.UnknownWorkflow,
                StatusCodes.Status409Conflict => PoisonReasons.Conflict,
                _ => PoisonReasons.InvalidInput,
            };
            return await PoisonAsync(delivery, reason, rejection.Detail, rejection.Errors, cancellationToken);
        }

        LogStarted(delivery.MessageId, outcome.InstanceId!, outcome.Replayed);
        return outcome.Replayed ? QueueStartResult.AlreadyStarted : QueueStartResult.Started;
    }

    /// <summary>
    /// For a host's listener when a delivery failed past <see cref="StartQueueOptions.MaxDequeueCount"/> outside the
    /// start itself (as the Functions host moves such a message): poisons it with the last error.
    /// </summary>
    public Task<QueueStartResult> GiveUpAsync(QueueDelivery delivery, Exception error, CancellationToken cancellationToken) =>
        PoisonAsync(delivery, PoisonReasons.StartFailed, $"delivery {delivery.DequeueCount} of at most {options.Value.MaxDequeueCount} failed: {error.Message}", [], cancellationToken);

    async Task<QueueStartResult> PoisonAsync(QueueDelivery delivery, string reason, string detail, IReadOnlyList<FieldError> errors, CancellationToken cancellationToken)
    {
        var poison = new JsonObject
        {
            ["reason"] = reason,
            ["detail"] = detail,
            ["errors"] = JsonSerializer.SerializeToNode(errors, JsonSerializerOptions.Web),
            ["messageId"] = delivery.MessageId,
            ["dequeueCount"] = delivery.DequeueCount,
            ["poisonedAt"] = clock.GetUtcNow(),
            ["queue"] = options.Value.Queue,
        };
        await queues.SendToPoisonAsync(poison, delivery.MessageId, delivery.Text, cancellationToken);
        LogPoisoned(delivery.MessageId, options.Value.PoisonQueueName, reason, detail);
        return QueueStartResult.Poisoned;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue message {MessageId} started run {InstanceId} (already started: {Replayed})")]
    partial void LogStarted(string messageId, string instanceId, bool replayed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue message {MessageId} moved to {PoisonQueue}: {Reason}: {Detail}")]
    partial void LogPoisoned(string messageId, string poisonQueue, string reason, string detail);
}

/// <summary>One delivery of a queue message: its id, decoded text and how many times it has been delivered.</summary>
public sealed record QueueDelivery(string MessageId, string Text, long DequeueCount);

public enum QueueStartResult { Started, AlreadyStarted, Poisoned }

/// <summary>The "reason" of a poison message.</summary>
public static class PoisonReasons
{
    public const string Malformed = "malformed-message";
    public const string UnknownWorkflow = "unknown-workflow";
    public const string InvalidInput = "invalid-input";
    public const string Conflict = "idempotency-conflict";
    public const string StartFailed = "start-failed";
}
