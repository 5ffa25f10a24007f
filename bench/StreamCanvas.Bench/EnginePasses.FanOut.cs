namespace StreamCanvas.Bench;

/// <summary>Fan-out: one run mapping over many items, and many runs of ten parallel branches.</summary>
public sealed partial class EnginePasses
{
    public const string Map = "bench-map";
    public const string Parallel = "bench-parallel";

    /// <summary>bench-parallel has ten branches of one model step each.</summary>
    public const int Branches = 10;

    public Task<PassResult> MapAsync(int runs, int items) =>
        FanOutAsync(Map, runs, items, _ => new { items = Enumerable.Range(0, items).Select(i => $"item {i}").ToArray() });

    public Task<PassResult> ParallelAsync(int runs) => FanOutAsync(Parallel, runs, Branches, i => new { topic = $"topic {i}" });

    async Task<PassResult> FanOutAsync(string workflow, int runs, int itemsPerRun, Func<int, object> input)
    {
        StorageMeter meter = await storage.StartMeterAsync();
        DateTimeOffset t0 = DateTimeOffset.UtcNow;
        string[] ids = await StartAsync(workflow, runs, input);
        await WaitUntilNoneRunningAsync(workflow);
        StorageRates perRun = meter.PerRun(runs);
        return Summarize($"StreamCanvas, {workflow}", await HistoriesAsync(ids), t0, perRun, meter.Idle, decidedAt: null) with { ItemsPerRun = itemsPerRun };
    }
}
