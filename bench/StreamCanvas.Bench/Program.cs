using System.Runtime.InteropServices;
using StreamCanvas.Bench;

// dotnet run -c Release --project bench/StreamCanvas.Bench -- --help
var options = BenchOptions.Parse(args);
if (options is null)
{
    Console.WriteLine(BenchOptions.Usage);
    return;
}

// The in-memory reference's sidecar logs every gRPC call at Information to the console, which costs more than the
// work it measures; its host reads logging levels from the environment.
Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
Console.WriteLine($"StreamCanvas benchmark: N = {string.Join(", ", options.Runs)}; passes {string.Join(", ", options.Passes)}; {Environment.ProcessorCount} cores, {Cpu()}, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
Console.WriteLine($"engine settings: {(options.Overrides.Count == 0 ? "product defaults" : string.Join(", ", options.Overrides.Select(o => $"{o.Key}={o.Value}")))}; model latency {options.ModelLatency.TotalMilliseconds} ms");
Console.WriteLine($"load average at start: {LoadAverage()}");

await using StorageCounter storage = await StorageCounter.StartAsync();
var results = options.Runs.ToDictionary(n => n, _ => new List<PassResult>());
var passes = new BenchPasses(options, storage);

if (options.Has(BenchPass.Offline) || options.Has(BenchPass.Approval))
{
    await passes.OfflineAsync(results);
}

if (options.Has(BenchPass.Latency))
{
    await passes.ModelLatencyAsync(results);
}

if (options.Has(BenchPass.Quota))
{
    await passes.QuotaAsync(results);
}

List<PassResult> fanOut = options.Has(BenchPass.FanOut) ? await passes.FanOutAsync() : [];

foreach ((int n, List<PassResult> passed) in results.Where(r => r.Value.Count > 0))
{
    Report.Print(n, passed);
}

if (fanOut.Count > 0)
{
    Report.PrintFanOut(fanOut);
}

Console.WriteLine($"\nload average at end: {LoadAverage()}");

static string Cpu() =>
    File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
        : "unknown CPU";

// Other work on the machine skews every figure; the load average says how much there was.
static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";
