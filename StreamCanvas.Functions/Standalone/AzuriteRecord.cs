using System.Diagnostics;
using System.Text.Json;

namespace StreamCanvas.Standalone;

/// <summary>
/// The pid file of the Azurite an engine started (azurite.pid in its data folder): which process, started when and
/// on which ports, so the next engine finds it after a crash and adopts it or replaces it, instead of guessing
/// from an open port. The start time tells a recycled pid from the recorded process.
/// </summary>
public sealed record AzuriteRecord(int ProcessId, DateTime StartedAtUtc, int BlobPort, int QueuePort, int TablePort)
{
    public const string FileName = "azurite.pid";

    public static string PathIn(string location) => Path.Combine(location, FileName);

    public static AzuriteRecord Of(Azurite azurite)
    {
        using Process process = Process.GetProcessById(azurite.ProcessId);
        return new AzuriteRecord(azurite.ProcessId, process.StartTime.ToUniversalTime(), azurite.BlobPort, azurite.QueuePort, azurite.TablePort);
    }

    public static AzuriteRecord? Read(string location)
    {
        try
        {
            return JsonSerializer.Deserialize<AzuriteRecord>(File.ReadAllText(PathIn(location)));
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Write(string location) => File.WriteAllText(PathIn(location), JsonSerializer.Serialize(this));

    public static void Delete(string location) => File.Delete(PathIn(location));

    /// <summary>The recorded process if it still runs (same pid and start time), else null.</summary>
    public Process? FindRunning()
    {
        try
        {
            Process process = Process.GetProcessById(ProcessId);
            if (!process.HasExited && Math.Abs((process.StartTime.ToUniversalTime() - StartedAtUtc).TotalSeconds) < 2)
            {
                return process;
            }

            process.Dispose();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // gone
        }

        return null;
    }

    public bool HasPorts(int blobPort, int queuePort, int tablePort) => (BlobPort, QueuePort, TablePort) == (blobPort, queuePort, tablePort);
}
