using System.Globalization;

namespace StreamCanvas.Bench;

public enum BenchPass
{
    /// <summary>bench-three-step with the offline model (answers at once), beside the two references.</summary>
    Offline,

    /// <summary>bench-approval: decisions through the signed webhook, decision → resume.</summary>
    Approval,

    /// <summary>bench-three-step through the openai-compatible provider against a model stub that takes --model-latency.</summary>
    Latency,

    /// <summary>bench-three-step against a stub that answers 429 above --model-rate, without and with the model quota limiter.</summary>
    Quota,

    /// <summary>bench-map (one run over --map-items items) and bench-parallel (--parallel-runs runs of ten branches), beside a hand-written fan-out.</summary>
    FanOut,
}

public sealed record BenchOptions(
    int[] Runs, IReadOnlyDictionary<string, string> Overrides, bool References, bool InMemory, IReadOnlyList<BenchPass> Passes, TimeSpan ModelLatency, int ModelRate)
{
    /// <summary>--quota Setting=Value: the limiter's setting in the quota pass (default MaxConcurrentCalls = --model-rate).</summary>
    public string? QuotaSetting { get; init; }

    public string? QuotaValue { get; init; }

    /// <summary>--map-items: the items of the fan-out pass's one map run.</summary>
    public int MapItems { get; init; } = 1000;

    /// <summary>--parallel-runs: the fan-out pass's runs of ten parallel branches.</summary>
    public int ParallelRuns { get; init; } = 100;

    public const string Usage = """
        dotnet run -c Release --project bench/StreamCanvas.Bench -- [options]
          --runs 10,100            N concurrent runs per pass (default 10,100)
          --passes offline,approval,latency,quota,fanout
                                   which passes (default offline,approval,latency)
          --model-latency 2s       latency of the model stub for the latency and quota passes (2s, 500ms; default 2s)
          --model-rate 20          quota pass: the stub answers 429 above this many requests per second (default 20)
          --quota Setting=Value    quota pass: the limiter's Model__Quota__ setting (default MaxConcurrentCalls=<model-rate>)
          --set Key=Value          an engine setting (env-style key) for the host under test and the references
          --no-references          skip the hand-written reference
          --in-memory              add the in-memory reference to the offline pass (about one run a second: slow)
          --map-items 1000         fanout pass: items of the one map run (default 1000)
          --parallel-runs 100      fanout pass: runs of ten parallel branches (default 100)
        """;

    public bool Has(BenchPass pass) => Passes.Contains(pass);

    /// <summary>Null for --help.</summary>
    public static BenchOptions? Parse(string[] args)
    {
        int[] runs = [10, 100];
        var overrides = new Dictionary<string, string>();
        bool references = true;
        bool inMemory = false;
        BenchPass[] passes = [BenchPass.Offline, BenchPass.Approval, BenchPass.Latency];
        TimeSpan latency = TimeSpan.FromSeconds(2);
        int rate = 20;
        string[]? quota = null;
        int mapItems = 1000;
        int parallelRuns = 100;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--help" or "-h":
                    return null;
                case "--runs":
                    runs = args[++i].Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToArray();
                    break;
                case "--passes":
                    passes = args[++i].Split(',').Select(p => Enum.Parse<BenchPass>(p, ignoreCase: true)).ToArray();
                    break;
                case "--model-latency":
                    latency = Duration(args[++i]);
                    break;
                case "--model-rate":
                    rate = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--quota":
                    quota = args[++i].Split('=', 2);
                    break;
                case "--set":
                    string[] pair = args[++i].Split('=', 2);
                    overrides[pair[0]] = pair[1];
                    break;
                case "--no-references":
                    references = false;
                    break;
                case "--in-memory":
                    inMemory = true;
                    break;
                case "--map-items":
                    mapItems = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--parallel-runs":
                    parallelRuns = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{args[i]}'\n{Usage}");
            }
        }

        return new BenchOptions(runs, overrides, references, inMemory, passes, latency, rate) { QuotaSetting = quota?[0], QuotaValue = quota?[1], MapItems = mapItems, ParallelRuns = parallelRuns };
    }

    /// <summary>"2s", "500ms" or a number of seconds.</summary>
    static TimeSpan Duration(string text) =>
        text.EndsWith("ms", StringComparison.Ordinal) ? TimeSpan.FromMilliseconds(double.Parse(text[..^2], CultureInfo.InvariantCulture))
        : TimeSpan.FromSeconds(double.Parse(text.TrimEnd('s'), CultureInfo.InvariantCulture));
}
