using Microsoft.Extensions.Logging;

namespace StreamCanvas.Standalone;

/// <summary>
/// The Azurite a standalone engine runs on, decided once at start: the emulator a previous engine recorded, if it
/// still answers storage requests; an unrecorded one already serving the ports (started by hand), used as it is;
/// otherwise a fresh one, after killing a recorded one that no longer answers. A restart after a crash so always
/// comes up on working storage.
/// </summary>
public static partial class EngineAzurite
{
    /// <summary>How long a storage request to a running emulator may take before it counts as not answering.</summary>
    public static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(10);

    public static async Task<Azurite> EnsureAsync(string location, int blobPort, int queuePort, int tablePort, ILogger logger)
    {
        Directory.CreateDirectory(location);
        if (AzuriteRecord.Read(location) is { } record && record.FindRunning() is { } recorded)
        {
            var previous = Azurite.Adopt(recorded, record.BlobPort, record.QueuePort, record.TablePort);
            if (record.HasPorts(blobPort, queuePort, tablePort) && await AzuriteHealth.AnswersAsync(previous, HealthTimeout))
            {
                LogAdopted(logger, record.ProcessId, blobPort);
                return previous;
            }

            // Not answering, or on other ports than configured: two emulators on one folder would corrupt it.
            LogReplacing(logger, record.ProcessId, Path.Combine(location, Azurite.LogFileName));
            await previous.DisposeAsync();
        }

        if (await Azurite.IsListeningAsync(blobPort) || await Azurite.IsListeningAsync(queuePort) || await Azurite.IsListeningAsync(tablePort))
        {
            var running = Azurite.External(blobPort, queuePort, tablePort);
            if (await AzuriteHealth.AnswersAsync(running, HealthTimeout))
            {
                return running;
            }

            throw new InvalidOperationException(
                $"a process listens on one of ports {blobPort}/{queuePort}/{tablePort} but does not answer storage requests, and it is not " +
                $"an Azurite this engine recorded in {AzuriteRecord.PathIn(location)}: stop it, or set Standalone__AzuriteBlobPort/QueuePort/TablePort.");
        }

        Azurite started = await Azurite.StartAsync(location, blobPort, queuePort, tablePort);
        AzuriteRecord.Of(started).Write(location);
        LogStarted(logger, started.ProcessId, blobPort, Path.Combine(location, Azurite.LogFileName));
        return started;
    }

    /// <summary>A graceful engine stop also stops its emulator and clears the record; a crash leaves both for the next start.</summary>
    public static async Task StopAsync(Azurite azurite, string location)
    {
        if (!azurite.Owned)
        {
            return;
        }

        await azurite.StopAsync(TimeSpan.FromSeconds(10));
        if (AzuriteRecord.Read(location) is { } record && record.FindRunning() is null)
        {
            AzuriteRecord.Delete(location);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started Azurite (pid {ProcessId}) on port {BlobPort}; its log is {LogPath}")]
    static partial void LogStarted(ILogger logger, int processId, int blobPort, string logPath);

    [LoggerMessage(Level = LogLevel.Information, Message = "Using the Azurite a previous engine started (pid {ProcessId}, port {BlobPort}); it answers storage requests")]
    static partial void LogAdopted(ILogger logger, int processId, int blobPort);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Azurite a previous engine started (pid {ProcessId}) does not answer storage requests; replacing it (its log: {LogPath})")]
    static partial void LogReplacing(ILogger logger, int processId, string logPath);
}
