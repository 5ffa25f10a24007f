using StreamCanvas.Standalone;
using StreamCanvas.Testing;

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

    /// <summary>Requests so far, in all and by operation.</summary>
    public StorageSnapshot Snapshot() =>
        new(Requests, proxies.SelectMany(p => p.ByOperation).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));

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
            await CountingProxy.StartAsync(LoopbackPorts.Free(), azurite.BlobPort, "blob"),
            await CountingProxy.StartAsync(LoopbackPorts.Free(), azurite.QueuePort, "queue"),
            await CountingProxy.StartAsync(LoopbackPorts.Free(), azurite.TablePort, "table"),
        ];
        return new StorageCounter(azurite, folder, proxies);
    }

    /// <summary>Requests per second while nothing runs: the engine's idle polling and lease renewals.</summary>
    public async Task<StorageRates> IdleRateAsync()
    {
        StorageSnapshot before = Snapshot();
        await Task.Delay(TimeSpan.FromSeconds(3));
        return Snapshot().Minus(before).Per(3.0);
    }

    /// <summary>Counts idle traffic, then returns a measure of what the pass that follows adds per run.</summary>
    public async Task<StorageMeter> StartMeterAsync() => new(this, await IdleRateAsync(), Snapshot(), DateTimeOffset.UtcNow);

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

/// <summary>Request counts at one moment.</summary>
public sealed record StorageSnapshot(long Total, IReadOnlyDictionary<string, long> ByOperation)
{
    public StorageSnapshot Minus(StorageSnapshot earlier) => new(
        Total - earlier.Total,
        ByOperation.ToDictionary(kv => kv.Key, kv => kv.Value - earlier.ByOperation.GetValueOrDefault(kv.Key), StringComparer.Ordinal));

    public StorageRates Per(double divisor) =>
        new(Total / divisor, ByOperation.Where(kv => kv.Value != 0).ToDictionary(kv => kv.Key, kv => kv.Value / divisor, StringComparer.Ordinal));
}

/// <summary>Requests per second (idle traffic) or per run (a pass), in all and by operation.</summary>
public sealed record StorageRates(double Total, IReadOnlyDictionary<string, double> ByOperation);

/// <summary>One pass's storage requests: what was counted minus idle traffic over the pass's duration.</summary>
public sealed class StorageMeter(StorageCounter counter, StorageRates idle, StorageSnapshot before, DateTimeOffset started)
{
    public StorageRates Idle => idle;

    public StorageRates PerRun(int n)
    {
        double seconds = (DateTimeOffset.UtcNow - started).TotalSeconds;
        StorageSnapshot used = counter.Snapshot().Minus(before);
        return new StorageRates(
            (used.Total - idle.Total * seconds) / n,
            used.ByOperation.ToDictionary(
                kv => kv.Key, kv => (kv.Value - idle.ByOperation.GetValueOrDefault(kv.Key) * seconds) / n, StringComparer.Ordinal));
    }
}
