namespace StreamCanvas.Bench;

/// <summary>The fan-out passes: runs/s and items/s, ours beside the hand-written fan-out of the same shape.</summary>
public static partial class Report
{
    /// <summary>The issue's target: the interpreter's fan-out at 0.9 of the hand-written one or better.</summary>
    const double Target = 0.9;

    public static void PrintFanOut(IReadOnlyList<PassResult> passes)
    {
        Console.WriteLine();
        Console.WriteLine("== Fan-out ==");
        Console.WriteLine($"{"pass",-52} {"runs",5} {"items/run",9} {"runs/s",8} {"items/s",8} {"p50 ms",9} {"p99 ms",9} {"storage req/item",17} {"failed",6}");
        foreach (PassResult pass in passes)
        {
            Console.WriteLine($"{pass.Name,-52} {pass.Runs,5} {pass.ItemsPerRun,9} {F(pass.RunsPerSecond, "0.00"),8} {F(pass.ItemsPerSecond),8} {F(pass.P(50), "0"),9} {F(pass.P(99), "0"),9} {F(pass.StorageRequestsPerRun / pass.ItemsPerRun),17} {pass.Failed,6}");
        }

        foreach (PassResult ours in passes.Where(p => p.Name.StartsWith("StreamCanvas", StringComparison.Ordinal)))
        {
            foreach (PassResult reference in passes.Where(p => !p.Name.StartsWith("StreamCanvas", StringComparison.Ordinal) && p.Runs == ours.Runs && p.ItemsPerRun == ours.ItemsPerRun))
            {
                double ratio = ours.ItemsPerSecond!.Value / reference.ItemsPerSecond!.Value;
                Console.WriteLine($"{ours.Name} / {reference.Name}: items/s x{F(ratio, "0.00")} (target >= {Target:0.0}: {(ratio >= Target ? "met" : "not met")}), " +
                    $"p50 latency x{F(ours.P(50) / reference.P(50), "0.00")}" +
                    (ours.StorageRequestsPerRun is double s && reference.StorageRequestsPerRun is double r ? $", storage requests x{F(s / r, "0.00")}" : ""));
            }
        }

        foreach (PassResult pass in passes.Where(p => p.Storage is not null))
        {
            PrintBreakdown(pass);
        }
    }
}
