using System.Globalization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using StreamCanvas.Starts;
using StreamCanvas.Storage;

namespace StreamCanvas.Functions;

/// <summary>The start queue under the Functions host; the standalone host reads it with <c>StartQueueListener</c>.</summary>
public sealed class QueueStartFunctions(QueueStartHandler handler)
{
    [Function(nameof(StartRunFromQueue))]
    public Task StartRunFromQueue(
        [QueueTrigger(StartQueueOptions.QueueNameExpression)] string message,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        // The trigger's metadata (Id, DequeueCount) arrives as binding data beside the decoded message text.
        IReadOnlyDictionary<string, object?> data = context.BindingContext.BindingData;
        string id = data.TryGetValue("Id", out object? idValue) ? idValue?.ToString() ?? "" : "";
        long dequeueCount = data.TryGetValue("DequeueCount", out object? count) && long.TryParse(count?.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? n : 1;
        return handler.HandleAsync(new QueueDelivery(id, message, dequeueCount), client, context.CancellationToken);
    }
}
