namespace StreamCanvas.Standalone;

/// <summary>Configuration section "Standalone": how `dotnet run` serves the app without the Functions host.</summary>
public sealed class StandaloneOptions
{
    public const string Section = "Standalone";

    /// <summary>Address the HTTP API listens on; 127.0.0.1 keeps a local engine private.</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>HTTP port of the API (7071, as `func start` uses).</summary>
    public int Port { get; set; } = 7071;

    /// <summary>Loopback port of the Durable Task gRPC sidecar; 0 picks a free one.</summary>
    public int SidecarPort { get; set; }

    /// <summary>Start Azurite from node_modules when the storage connection is the local emulator and nothing answers.</summary>
    public bool StartAzurite { get; set; } = true;

    /// <summary>Ports of the Azurite the engine starts or uses (the emulator's defaults unless set).</summary>
    public int AzuriteBlobPort { get; set; } = 10000;

    public int AzuriteQueuePort { get; set; } = 10001;

    public int AzuriteTablePort { get; set; } = 10002;

    /// <summary>Folder Azurite keeps its data, its log (azurite.log) and its pid file (azurite.pid) in, so runs survive restarts (relative to the repository root).</summary>
    public string AzuriteLocation { get; set; } = ".azurite";
}
