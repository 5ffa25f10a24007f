using System.Globalization;

namespace StreamCanvas.Bench;

/// <summary>The figures of one N as a table, then ours as ratios to the two references.</summary>
public static class Report
{
    public static void Print(int n, IReadOnlyList<PassResult> passes)
    {
        Console.WriteLine();
        Console.WriteLine($"== N = {n} concurrent runs ==");
        Console.WriteLine($"{"pass",-52} {"runs/s",8} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8} {"dispatch ms/step",17} {"storage req/run",16} {"failed",6}");
        foreach (PassResult pass in passes)
        {
            Console.WriteLine($"{pass.Name,-52} {F(pass.RunsPerSecond),8} {F(pass.P(50)),8} {F(pass.P(95)),8} {F(pass.P(99)),8} {F(pass.MeanOverhead),17} {F(pass.StorageRequestsPerRun),16} {pass.Failed,6}");
        }

        if (passes.FirstOrDefault(p => p.ResumeMs.Count > 0) is { } approval)
        {
            Console.WriteLine($"approval decision -> resume: p50 {F(Stats.Percentile(approval.ResumeMs, 50))} ms, p99 {F(Stats.Percentile(approval.ResumeMs, 99))} ms ({approval.ResumeMs.Count} decisions)");
        }

        if (passes.FirstOrDefault(p => p.IdleStorageRequestsPerSecond is not null) is { } counted)
        {
            Console.WriteLine($"idle storage traffic (subtracted above): {F(counted.IdleStorageRequestsPerSecond)} req/s");
        }

        PassResult ours = passes[0];
        foreach (PassResult reference in passes.Skip(2))
        {
            Console.WriteLine($"ours / {reference.Name}: throughput x{F(ours.RunsPerSecond / reference.RunsPerSecond, "0.00")}, p50 latency x{F(ours.P(50) / reference.P(50), "0.00")}" +
                (ours.StorageRequestsPerRun is double s && reference.StorageRequestsPerRun is double r ? $", storage requests x{F(s / r, "0.00")}" : ""));
        }
    }

    static string F(double? value, string format = "0.0") =>
        value is double v && !double.IsNaN(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
}
