using StreamCanvas.Standalone;

namespace StreamCanvas.Testing;

/// <summary>
/// One real Azurite for the whole test run, on free ports with its data in a temporary folder. Tests isolate
/// themselves with their own task hub names, so collections can share it and run in parallel.
/// </summary>
public static class SharedAzurite
{
    static readonly SemaphoreSlim Gate = new(1, 1);
    static Azurite? instance;

    public static async Task<Azurite> GetAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (instance is null)
            {
                string location = Path.Combine(Path.GetTempPath(), "streamcanvas-tests-azurite-" + Guid.NewGuid().ToString("N")[..8]);
                instance = await StartOnFreePortsAsync(location);
                AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                {
                    instance.DisposeAsync().AsTask().GetAwaiter().GetResult();
                    try { Directory.Delete(location, recursive: true); } catch (IOException) { }
                };
            }

            return instance;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Azurite on ports the OS just handed out; if another process took one in between, new ports are tried.</summary>
    public static async Task<Azurite> StartOnFreePortsAsync(string location)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await Azurite.StartAsync(location, LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free());
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>A task hub name of its own: letters and digits, starting with a letter.</summary>
    public static string NewTaskHub(string prefix = "t") => prefix + Guid.NewGuid().ToString("N")[..12];
}
