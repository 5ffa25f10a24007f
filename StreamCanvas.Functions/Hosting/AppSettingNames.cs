using StreamCanvas.Storage;

namespace StreamCanvas.Hosting;

/// <summary>
/// Settings the app reads outside its options classes (each of those binds the section its Section names).
/// infra/ and local.settings.sample.json are checked against these names, so a new setting is added here.
/// </summary>
public static class AppSettingNames
{
    /// <summary>The task hub's storage: a connection string, or an identity-based connection (__accountName, __credential, __clientId).</summary>
    public const string Storage = StorageClients.ConnectionSetting;

    /// <summary>The Durable task hub both hosts share; host.json names it as %TaskHubName%.</summary>
    public const string TaskHub = "TaskHubName";

    /// <summary>Where the Functions host (and the telemetry set-up) sends logs and traces; empty locally.</summary>
    public const string ApplicationInsights = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>An OpenTelemetry collector for traces and metrics (as well as, or instead of, Application Insights); empty: none.</summary>
    public const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Read only by a local run: in Azure the workflows ship in the package and host.json's durableTask section
    /// tunes the task hub, so infra/ deploys none of these.
    /// </summary>
    public static class Local
    {
        public const string WorkflowsPath = "Workflows:Path";

        /// <summary>The standalone host's section (its port also names its Durable worker id).</summary>
        public const string StandaloneSection = "Standalone";

        /// <summary>The key the standalone host checks where the Functions host checks function keys.</summary>
        public const string OperatorKey = "Operator:ApiKey";

        /// <summary>The standalone host's Azure Storage provider settings (DurableTask:PartitionCount, …).</summary>
        public const string DurableTaskSection = "DurableTask";
    }
}
