using StreamCanvas.Testing;
using StreamCanvas.Standalone;

namespace StreamCanvas.Bench;

/// <summary>
/// A private Azurite behind three counting proxies (blob, queue, table). Engines get <see cref="ConnectionString"/>,
/// which points at the proxies, so every storage transaction they make is counted.
/// </summary>
public sealed class StorageCounter : IAsyncDisposable
{
    readonly Azurite azurite;
    readonly string folder;
    readonly CountingProxy[] proxies;

    StorageCounter(Azurite azurite, string folder, CountingProxy[] proxies)
    {
        this.azurite = azurite;
        this.folder = folder;
        this.proxies = proxies;
    }

    public long Requests => proxies.Sum(p => p.Requests);

    public string ConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        $"BlobEndpoint=http://127.0.0.1:{proxies[0].Port}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{proxies[1].Port}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{proxies[2].Port}/devstoreaccount1;";

    public static async Task<StorageCounter> StartAsync()
    {
        string folder = Directory.CreateTempSubdirectory("streamcanvas-bench-azurite-").FullName;
        Azurite azurite = await Azurite.StartAsync(folder, LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free());
        CountingProxy[] proxies =
        [
            await CountingProxy.StartAsync(LoopbackPorts.Free(), azurite.BlobPort),
            await CountingProxy.StartAsync(LoopbackPorts.Free(), azurite.QueuePort),
            await CountingProxy.StartAsync(LoopbackPorts.Free(), azurite.TablePort),
        ];
        return new StorageCounter(azurite, folder, proxies);
    }

    /// <summary>Requests per second while nothing runs: the engine's idle polling and lease renewals.</summary>
    public async Task<double> IdleRateAsync()
    {
        long before = Requests;
        await Task.Delay(TimeSpan.FromSeconds(3));
        return (Requests - before) / 3.0;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (CountingProxy proxy in proxies)
        {
            await proxy.DisposeAsync();
        }

        await azurite.DisposeAsync();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
