using System.Globalization;
using System.Runtime.InteropServices;
using StreamCanvas.Bench;

// dotnet run -c Release --project bench/StreamCanvas.Bench -- [--runs 10,100,1000] [--set DurableTask__PartitionCount=8 ...] [--no-references]
var options = BenchOptions.Parse(args);

// The in-memory reference's sidecar logs every gRPC call at Information to the console, which costs more than the
// work it measures; its host reads logging levels from the environment.
Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
Console.WriteLine($"StreamCanvas benchmark: N = {string.Join(", ", options.Runs)}; {Environment.ProcessorCount} cores, {Cpu()}, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
Console.WriteLine($"engine settings: {(options.Overrides.Count == 0 ? "product defaults" : string.Join(", ", options.Overrides.Select(o => $"{o.Key}={o.Value}")))}");

await using StorageCounter storage = await StorageCounter.StartAsync();
var results = options.Runs.ToDictionary(n => n, _ => new List<PassResult>());

if (options.References)
{
    List<PassResult> inMemory = await InMemoryReference.RunAsync(options.Runs);
    List<PassResult> plain = await PlainDurableReference.RunAsync(options.Runs, storage, options.Overrides);
    for (int i = 0; i < options.Runs.Length; i++)
    {
        results[options.Runs[i]].Add(inMemory[i]);
        results[options.Runs[i]].Add(plain[i]);
    }

    Console.Error.WriteLine("  references done");
}

await using (EngineProcess engine = await EngineProcess.StartAsync(storage.ConnectionString, "benchengine" + Guid.NewGuid().ToString("N")[..8], options.Overrides))
{
    var passes = new EnginePasses(engine, storage);
    await passes.ThreeStepAsync(5);
    foreach (int n in options.Runs)
    {
        results[n].Insert(0, await passes.ThreeStepAsync(n));
        results[n].Insert(1, await passes.ApprovalAsync(n));
        Console.Error.WriteLine($"  engine passes done for N={n}");
    }
}

foreach ((int n, List<PassResult> passes) in results)
{
    Report.Print(n, passes);
}

static string Cpu() =>
    File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
        : "unknown CPU";

sealed record BenchOptions(int[] Runs, IReadOnlyDictionary<string, string> Overrides, bool References)
{
    public static BenchOptions Parse(string[] args)
    {
        int[] runs = [10, 100];
        var overrides = new Dictionary<string, string>();
        bool references = true;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--runs":
                    runs = args[++i].Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToArray();
                    break;
                case "--set":
                    string[] pair = args[++i].Split('=', 2);
                    overrides[pair[0]] = pair[1];
                    break;
                case "--no-references":
                    references = false;
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{args[i]}'; use --runs 10,100,1000, --set Key=Value, --no-references");
            }
        }

        return new BenchOptions(runs, overrides, references);
    }
}
