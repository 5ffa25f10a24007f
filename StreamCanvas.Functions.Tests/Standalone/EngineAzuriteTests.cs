using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using StreamCanvas.Standalone;

namespace StreamCanvas.Tests.Standalone;

/// <summary>
/// The Azurite an engine starts is recorded (pid file), logs to a file in its data folder, and after a crash the
/// next engine adopts it if it answers storage requests, or replaces it if it only holds the ports.
/// </summary>
public sealed class EngineAzuriteTests : IAsyncLifetime
{
    readonly string folder = Directory.CreateTempSubdirectory("streamcanvas-engine-azurite-").FullName;
    readonly List<Azurite> started = [];
    int blobPort, queuePort, tablePort;

    public Task InitializeAsync()
    {
        (blobPort, queuePort, tablePort) = (LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (Azurite azurite in started)
        {
            await azurite.DisposeAsync();
        }

        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }

    async Task<Azurite> EnsureAsync()
    {
        Azurite azurite = await EngineAzurite.EnsureAsync(folder, blobPort, queuePort, tablePort, NullLogger.Instance);
        started.Add(azurite);
        return azurite;
    }

    [Fact]
    public async Task Ensure_NothingRunning_StartsAzuriteWithAPidFileAndALogFile()
    {
        Azurite azurite = await EnsureAsync();

        Assert.True(azurite.Owned);
        Assert.Equal(azurite.ProcessId, AzuriteRecord.Read(folder)?.ProcessId);
        Assert.True(File.Exists(Path.Combine(folder, Azurite.LogFileName)));
        Assert.True(await AzuriteHealth.AnswersAsync(azurite, TimeSpan.FromSeconds(30)));

        // The emulator's output is not a pipe to this process: its stdout is the log file.
        Assert.Equal(Path.Combine(folder, Azurite.LogFileName), new FileInfo($"/proc/{azurite.ProcessId}/fd/1").LinkTarget);
    }

    [Fact]
    public async Task Ensure_RecordedAzuriteStillAnswers_AdoptsItInsteadOfStartingAnother()
    {
        Azurite first = await EnsureAsync();

        // A restarted engine: same folder and ports, the previous engine gone without stopping its emulator.
        Azurite second = await EnsureAsync();

        Assert.True(second.Owned);
        Assert.Equal(first.ProcessId, second.ProcessId);
        Assert.True(await AzuriteHealth.AnswersAsync(second, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Ensure_RecordedAzuriteHoldsThePortsButDoesNotAnswer_KillsItAndStartsAFreshOne()
    {
        Azurite stale = await EnsureAsync();
        int stalePid = stale.ProcessId;

        // Frozen: its ports still accept connections (the kernel does that), but no request is ever answered.
        using (Process stop = Process.Start("kill", ["-STOP", stalePid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            await stop.WaitForExitAsync();
        }

        Assert.True(await Azurite.IsListeningAsync(blobPort));

        Azurite fresh = await EnsureAsync();

        Assert.NotEqual(stalePid, fresh.ProcessId);
        Assert.Equal(fresh.ProcessId, AzuriteRecord.Read(folder)?.ProcessId);
        Assert.True(await AzuriteHealth.AnswersAsync(fresh, TimeSpan.FromSeconds(30)));
        Assert.Throws<ArgumentException>(() => Process.GetProcessById(stalePid));
    }

    [Fact]
    public async Task Stop_GracefulEngineStop_StopsItsAzuriteAndClearsTheRecord()
    {
        Azurite azurite = await EnsureAsync();
        int pid = azurite.ProcessId;

        await EngineAzurite.StopAsync(azurite, folder);

        Assert.Null(AzuriteRecord.Read(folder));
        Assert.Throws<ArgumentException>(() => Process.GetProcessById(pid));
    }
}
