using System.Globalization;

namespace StreamCanvas.Bench;

/// <summary>The figures of one N as a table, then ours as ratios to the two references.</summary>
public static partial class Report
{
    public static void Print(int n, IReadOnlyList<PassResult> passes)
    {
        Console.WriteLine();
        Console.WriteLine($"== N = {n} concurrent runs ==");
        Console.WriteLine($"{"pass",-52} {"runs/s",8} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8} {"dispatch ms/step",17} {"storage req/run",16} {"w/o polls",10} {"failed",6}");
        foreach (PassResult pass in passes)
        {
            Console.WriteLine($"{pass.Name,-52} {F(pass.RunsPerSecond),8} {F(pass.P(50)),8} {F(pass.P(95)),8} {F(pass.P(99)),8} {F(pass.MeanOverhead),17} {F(pass.StorageRequestsPerRun),16} {F(pass.StorageRequestsPerRunWithoutPolls),10} {pass.Failed,6}");
        }

        Console.WriteLine("(w/o polls: without queue 'get messages'; busy polling replaces idle polling, so subtracting the idle rate is only exact for the rest)");

        if (passes.FirstOrDefault(p => p.ResumeMs.Count > 0) is { } approval)
        {
            Console.WriteLine($"approval decision -> resume: p50 {F(Stats.Percentile(approval.ResumeMs, 50))} ms, p99 {F(Stats.Percentile(approval.ResumeMs, 99))} ms ({approval.ResumeMs.Count} decisions)");
        }

        if (passes.FirstOrDefault(p => p.IdleStorageRequestsPerSecond is not null) is { } counted)
        {
            Console.WriteLine($"idle storage traffic (subtracted above): {F(counted.IdleStorageRequestsPerSecond)} req/s");
        }

        foreach (PassResult pass in passes)
        {
            if (pass.IdealMs is double ideal)
            {
                Console.WriteLine($"{pass.Name}: ideal (steps x model latency) {F(ideal, "0")} ms; p50 x{F(pass.P(50) / ideal, "0.00")}, p95 x{F(pass.P(95) / ideal, "0.00")}, p99 x{F(pass.P(99) / ideal, "0.00")} of ideal");
            }

            if (pass.Note is not null)
            {
                Console.WriteLine($"{pass.Name}: {pass.Note}");
            }
        }

        foreach (PassResult pass in passes.Where(p => p.Storage is not null))
        {
            PrintBreakdown(pass);
        }

        // Each of ours against the references that ran the same work (offline or with the same model latency).
        foreach (PassResult ours in passes.Where(p => p.Name.StartsWith("StreamCanvas, " + EnginePasses.ThreeStep, StringComparison.Ordinal) && !p.Name.Contains("limiter", StringComparison.Ordinal)))
        {
            foreach (PassResult reference in passes.Where(p => !p.Name.StartsWith("StreamCanvas", StringComparison.Ordinal) && p.IdealMs == ours.IdealMs))
            {
                PrintRatio(ours, reference);
            }
        }
    }

    static void PrintRatio(PassResult ours, PassResult reference) =>
        Console.WriteLine($"{ours.Name} / {reference.Name}: throughput x{F(ours.RunsPerSecond / reference.RunsPerSecond, "0.00")}, p50 latency x{F(ours.P(50) / reference.P(50), "0.00")}" +
            (ours.StorageRequestsPerRun is double s && reference.StorageRequestsPerRun is double r ? $", storage requests x{F(s / r, "0.00")}" : ""));

    /// <summary>Where one pass's storage requests went, per run, the biggest first (idle traffic subtracted).</summary>
    static void PrintBreakdown(PassResult pass)
    {
        Console.WriteLine($"storage requests per run, {pass.Name} (idle {F(pass.IdleStorageRequestsPerSecond)} req/s subtracted):");
        foreach ((string operation, double perRun) in pass.Storage!.ByOperation.Where(kv => Math.Abs(kv.Value) >= 0.05).OrderByDescending(kv => kv.Value))
        {
            Console.WriteLine($"    {F(perRun, "0.00"),7}  {operation}");
        }

        if (pass.IdleStorage is { } idle)
        {
            Console.WriteLine("  idle req/s: " + string.Join(", ", idle.ByOperation.Where(kv => kv.Value >= 0.05).OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {F(kv.Value)}")));
        }
    }

    static string F(double? value, string format = "0.0") =>
        value is double v && !double.IsNaN(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
}
