namespace StreamCanvas.Bench;

/// <summary>Percentiles and the figures one benchmark pass reports.</summary>
public static class Stats
{
    /// <summary>Nearest-rank percentile of <paramref name="values"/> (p in 0..100).</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        double[] sorted = [.. values.Order()];
        int rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

/// <param name="RunsPerSecond">Runs completed per second: N over the time from the first start to the last completion.</param>
/// <param name="LatencyMs">Start-to-completion latency of each run (instance created to completed, engine clock).</param>
/// <param name="DispatchOverheadMs">Per step: the step's wall time in the orchestration minus the activity's own time.</param>
/// <param name="ResumeMs">Approval decision (as the webhook recorded it) to the gate step completing in the orchestration.</param>
/// <param name="Storage">Storage requests during the pass (less idle traffic) per run, in all and by operation (null when not counted).</param>
/// <param name="IdleStorage">Requests per second before the pass, while nothing ran.</param>
public sealed record PassResult(
    string Name, int Runs, int Failed, double RunsPerSecond, IReadOnlyList<double> LatencyMs, IReadOnlyList<double> DispatchOverheadMs,
    IReadOnlyList<double> ResumeMs, StorageRates? Storage, StorageRates? IdleStorage)
{
    /// <summary>The run's latency if only the model took time (steps × model latency), for passes with a slow model.</summary>
    public double? IdealMs { get; init; }

    /// <summary>Extra figures of the pass (model calls, 429s).</summary>
    public string? Note { get; init; }

    /// <summary>Fan-out passes: the activities each run fans out to (map items, parallel branches).</summary>
    public int? ItemsPerRun { get; init; }

    public double? ItemsPerSecond => RunsPerSecond * ItemsPerRun;

    public double? StorageRequestsPerRun => Storage?.Total;

    public double? IdleStorageRequestsPerSecond => IdleStorage?.Total;

    /// <summary>Storage requests per run other than queue polls: what runs cost whatever the polling interval.</summary>
    public double? StorageRequestsPerRunWithoutPolls =>
        Storage?.ByOperation.Where(kv => !kv.Key.EndsWith(" get messages", StringComparison.Ordinal)).Sum(kv => kv.Value);

    public double P(double p) => Stats.Percentile(LatencyMs, p);

    public double MeanOverhead => DispatchOverheadMs.Count == 0 ? double.NaN : DispatchOverheadMs.Average();

    /// <summary>A small unmeasured pass first (partition leases, JIT), then one measured pass per N.</summary>
    public static async Task<List<PassResult>> WarmThenMeasureAsync(IReadOnlyList<int> runs, Func<int, Task<PassResult>> pass)
    {
        await pass(5);
        var results = new List<PassResult>();
        foreach (int n in runs)
        {
            results.Add(await pass(n));
        }

        return results;
    }
}
