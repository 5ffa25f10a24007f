using Microsoft.DurableTask.Client;

namespace StreamCanvas.Bench;

/// <summary>One measured pass of a hand-written reference: start the runs at once, wait for each, and its figures.</summary>
public static class ReferencePass
{
    /// <param name="schedule">Starts run number i and returns its instance id.</param>
    public static async Task<PassResult> MeasureAsync(DurableTaskClient client, StorageCounter storage, string name, int runs, Func<int, Task<string>> schedule)
    {
        StorageMeter meter = await storage.StartMeterAsync();
        DateTimeOffset t0 = DateTimeOffset.UtcNow;
        string[] ids = await Task.WhenAll(Enumerable.Range(0, runs).Select(schedule));

        // A cap for a hang, not a speed expectation.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        OrchestrationMetadata[] done = await Task.WhenAll(ids.Select(id => client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: false, timeout.Token)));
        StorageRates perRun = meter.PerRun(runs);
        DateTimeOffset last = done.Max(m => m.LastUpdatedAt);
        var latency = done.Select(m => (m.LastUpdatedAt - m.CreatedAt).TotalMilliseconds).ToList();
        int failed = done.Count(m => m.RuntimeStatus != OrchestrationRuntimeStatus.Completed);
        return new PassResult(name, runs, failed, runs / Math.Max((last - t0).TotalSeconds, 0.001), latency, [], [], perRun, meter.Idle);
    }
}
