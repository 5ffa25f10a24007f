using Azure.Identity;
using DurableTask.AzureStorage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace StreamCanvas.Hosting.Standalone;

/// <summary>
/// Durable Task's Azure Storage provider, configured from the same settings the Functions host reads
/// (AzureWebJobsStorage, TaskHubName), so both hosts can share one task hub.
/// </summary>
public static class DurableTaskStorage
{
    public const string ConnectionSetting = AppSettingNames.Storage;
    public const string TaskHubSetting = AppSettingNames.TaskHub;
    public const string DefaultTaskHub = "StreamCanvas";

    public static string ConnectionString(IConfiguration configuration) =>
        configuration[ConnectionSetting] is { Length: > 0 } value ? value : "UseDevelopmentStorage=true";

    public static AzureStorageOrchestrationService Create(IConfiguration configuration, ILoggerFactory loggerFactory)
    {
        IConfigurationSection durable = configuration.GetSection(AppSettingNames.Local.DurableTaskSection);
        var settings = new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = configuration[TaskHubSetting] is { Length: > 0 } hub ? hub : DefaultTaskHub,
            StorageAccountClientProvider = ClientProvider(configuration),

            // The provider backs off polling up to 30 s when idle; locally that makes events feel stuck.
            MaxQueuePollingInterval = TimeSpan.FromMilliseconds(durable.GetValue("MaxQueuePollingIntervalMilliseconds", 1000)),
            PartitionCount = durable.GetValue("PartitionCount", 4),
            MaxConcurrentTaskActivityWorkItems = durable.GetValue("MaxConcurrentActivities", 10),
            MaxConcurrentTaskOrchestrationWorkItems = durable.GetValue("MaxConcurrentOrchestrations", 10),
            LoggerFactory = loggerFactory,
        };
        return new AzureStorageOrchestrationService(settings);
    }

    /// <summary>A connection string, or an identity-based connection (AzureWebJobsStorage__accountName) as in Azure.</summary>
    static StorageAccountClientProvider ClientProvider(IConfiguration configuration)
    {
        if (configuration[$"{ConnectionSetting}:accountName"] is { Length: > 0 } account)
        {
            var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = configuration[$"{ConnectionSetting}:clientId"] });
            return new StorageAccountClientProvider(account, credential);
        }

        return new StorageAccountClientProvider(ConnectionString(configuration));
    }
}
