using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace StreamCanvas.Storage;

/// <summary>
/// Clients for the app's own tables, blobs and queues on the task hub's storage account (AzureWebJobsStorage): a connection
/// string locally, an identity-based connection (AzureWebJobsStorage__accountName) in Azure.
/// </summary>
public static class StorageClients
{
    public const string ConnectionSetting = "AzureWebJobsStorage";

    public static string ConnectionString(IConfiguration configuration) =>
        configuration[ConnectionSetting] is { Length: > 0 } value ? value : "UseDevelopmentStorage=true";

    public static TableServiceClient Tables(IConfiguration configuration) =>
        configuration[$"{ConnectionSetting}:accountName"] is { Length: > 0 } account
            ? new TableServiceClient(new Uri($"https://{account}.table.core.windows.net"), Credential(configuration))
            : new TableServiceClient(ConnectionString(configuration));

    public static BlobServiceClient Blobs(IConfiguration configuration) =>
        configuration[$"{ConnectionSetting}:accountName"] is { Length: > 0 } account
            ? new BlobServiceClient(new Uri($"https://{account}.blob.core.windows.net"), Credential(configuration))
            : new BlobServiceClient(ConnectionString(configuration));

    public static QueueClient Queue(IConfiguration configuration, string queue, QueueClientOptions options) =>
        configuration[$"{ConnectionSetting}:accountName"] is { Length: > 0 } account
            ? new QueueClient(new Uri($"https://{account}.queue.core.windows.net/{queue}"), Credential(configuration), options)
            : new QueueClient(ConnectionString(configuration), queue, options);

    public static DefaultAzureCredential Credential(IConfiguration configuration) =>
        new(new DefaultAzureCredentialOptions { ManagedIdentityClientId = configuration[$"{ConnectionSetting}:clientId"] });
}
