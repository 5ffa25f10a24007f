using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace StreamCanvas.Standalone;

/// <summary>
/// Whether an emulator really serves storage: an open port is not enough (a stopped or dying Azurite still
/// accepts connections), so each of the three services must answer a request within the timeout.
/// </summary>
public static class AzuriteHealth
{
    public static async Task<bool> AnswersAsync(Azurite azurite, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await Task.WhenAll(
                new BlobServiceClient(azurite.ConnectionString, Options(new BlobClientOptions(), timeout)).GetPropertiesAsync(deadline.Token),
                new QueueServiceClient(azurite.ConnectionString, Options(new QueueClientOptions(), timeout)).GetPropertiesAsync(deadline.Token),
                new TableServiceClient(azurite.ConnectionString, Options(new TableClientOptions(), timeout)).GetPropertiesAsync(deadline.Token));
            return true;
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or OperationCanceledException or HttpRequestException or TimeoutException or AggregateException)
        {
            return false;
        }
    }

    static T Options<T>(T options, TimeSpan timeout) where T : ClientOptions
    {
        options.Retry.MaxRetries = 0;
        options.Retry.NetworkTimeout = timeout;
        return options;
    }
}
