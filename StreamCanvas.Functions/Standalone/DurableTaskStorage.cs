using DurableTask.AzureStorage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using StreamCanvas.Hosting;
using StreamCanvas.Storage;

namespace StreamCanvas.Standalone;

/// <summary>
/// Durable Task's Azure Storage provider, configured from the same settings the Functions host reads
/// (AzureWebJobsStorage, TaskHubName), so both hosts can share one task hub.
/// </summary>
public static class DurableTaskStorage
{
    public const string TaskHubSetting = AppSettingNames.TaskHub;
    public const string DefaultTaskHub = "StreamCanvas";

    /// <summary>
    /// How often a locked work item's messages are made invisible again while it runs (DurableTask:LockRenewIntervalSeconds):
    /// a third of the visibility timeout, so two renewals can be late before a running activity is delivered twice.
    /// </summary>
    public static TimeSpan LockRenewInterval(IConfiguration configuration)
    {
        IConfigurationSection durable = configuration.GetSection(AppSettingNames.Local.DurableTaskSection);
        int visibility = durable.GetValue("WorkItemVisibilityTimeoutSeconds", LocalRecovery.VisibilityTimeoutSeconds);
        int control = durable.GetValue("ControlVisibilityTimeoutSeconds", LocalRecovery.VisibilityTimeoutSeconds);
        return TimeSpan.FromSeconds(durable.GetValue("LockRenewIntervalSeconds", Math.Max(1, Math.Min(visibility, control) / 3)));
    }

    /// <summary>The standalone host's idle polling cap (host.json uses 1 s, where each poll is billed).</summary>
    public const int DefaultMaxQueuePollingMilliseconds = 100;

    public static AzureStorageOrchestrationService Create(IConfiguration configuration, ILoggerFactory loggerFactory) =>
        new(Settings(configuration, loggerFactory));

    /// <summary>The provider's settings from DurableTask:* (docs/configuration.md), with the defaults both hosts share.</summary>
    public static AzureStorageOrchestrationServiceSettings Settings(IConfiguration configuration, ILoggerFactory loggerFactory)
    {
        IConfigurationSection durable = configuration.GetSection(AppSettingNames.Local.DurableTaskSection);
        return new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = configuration[TaskHubSetting] is { Length: > 0 } hub ? hub : DefaultTaskHub,

            // Partition leases are owned per worker id. The default (machine name) would make two hosts on one
            // machine look like one owner; the port keeps them apart and stays the same across a restart.
            WorkerId = durable["WorkerId"] is { Length: > 0 } worker ? worker : $"{Environment.MachineName}-{configuration[$"{AppSettingNames.Local.StandaloneSection}:Port"] ?? "7071"}",
            StorageAccountClientProvider = ClientProvider(configuration),

            // The provider backs off polling up to 30 s when idle; that is the delay between an approver's decision
            // and the run moving on. Locally short polling costs nothing but a little Azurite CPU (~50 req/s idle);
            // pointed at a billed account, set it as host.json does (1 s). See docs/performance.md.
            MaxQueuePollingInterval = TimeSpan.FromMilliseconds(durable.GetValue("MaxQueuePollingIntervalMilliseconds", DefaultMaxQueuePollingMilliseconds)),
            PartitionCount = durable.GetValue("PartitionCount", 4),

            // A host that dies holds its messages and partition leases until these run out, so they bound how long
            // runs interrupted by a crash wait after the restart (see LocalRecovery).
            WorkItemQueueVisibilityTimeout = TimeSpan.FromSeconds(durable.GetValue("WorkItemVisibilityTimeoutSeconds", LocalRecovery.VisibilityTimeoutSeconds)),
            ControlQueueVisibilityTimeout = TimeSpan.FromSeconds(durable.GetValue("ControlVisibilityTimeoutSeconds", LocalRecovery.VisibilityTimeoutSeconds)),
            LeaseInterval = TimeSpan.FromSeconds(durable.GetValue("LeaseIntervalSeconds", LocalRecovery.LeaseIntervalSeconds)),
            LeaseRenewInterval = TimeSpan.FromSeconds(durable.GetValue("LeaseRenewIntervalSeconds", LocalRecovery.LeaseRenewIntervalSeconds)),
            LeaseAcquireInterval = TimeSpan.FromSeconds(durable.GetValue("LeaseAcquireIntervalSeconds", LocalRecovery.LeaseAcquireIntervalSeconds)),

            // Slots: see DurableTaskDefaults (host.json agrees).
            MaxConcurrentTaskActivityWorkItems = durable.GetValue("MaxConcurrentActivities", DurableTaskDefaults.MaxConcurrentActivities),
            MaxConcurrentTaskOrchestrationWorkItems = durable.GetValue("MaxConcurrentOrchestrations", DurableTaskDefaults.MaxConcurrentOrchestrations),

            // Keeps an orchestration's history in memory between its episodes instead of reading it back from the
            // History table each time; see docs/performance.md for what it did here.
            ExtendedSessionsEnabled = durable.GetValue("ExtendedSessionsEnabled", false),
            LoggerFactory = loggerFactory,
        };
    }

    /// <summary>A connection string, or an identity-based connection (AzureWebJobsStorage__accountName) as in Azure.</summary>
    static StorageAccountClientProvider ClientProvider(IConfiguration configuration)
    {
        if (configuration[$"{StorageClients.ConnectionSetting}:accountName"] is { Length: > 0 } account)
        {
            return new StorageAccountClientProvider(account, StorageClients.Credential(configuration));
        }

        return new StorageAccountClientProvider(StorageClients.ConnectionString(configuration));
    }
}
