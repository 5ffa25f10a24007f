namespace StreamCanvas.Bench;

/// <summary>Each group of passes on its own engine process (own task hub), with its references beside it.</summary>
public sealed class BenchPasses(BenchOptions options, StorageCounter storage)
{
    /// <summary>Offline model: three-step and approval, beside the in-memory and hand-written references.</summary>
    public async Task OfflineAsync(Dictionary<int, List<PassResult>> results)
    {
        if (options.InMemory && options.Has(BenchPass.Offline))
        {
            AddAll(results, await InMemoryReference.RunAsync(options.Runs));
        }

        if (options.References && options.Has(BenchPass.Offline))
        {
            AddAll(results, await PlainDurableReference.RunAsync(options.Runs, storage, options.Overrides));
            Console.Error.WriteLine("  offline references done");
        }

        await using EngineProcess engine = await EngineProcess.StartAsync(storage.ConnectionString, NewHub(), options.Overrides);
        var passes = new EnginePasses(engine, storage);
        await passes.ThreeStepAsync(5);
        foreach (int n in options.Runs)
        {
            if (options.Has(BenchPass.Offline))
            {
                results[n].Add(await passes.ThreeStepAsync(n));
            }

            if (options.Has(BenchPass.Approval))
            {
                results[n].Add(await passes.ApprovalAsync(n));
            }

            Console.Error.WriteLine($"  offline engine passes done for N={n}");
        }
    }

    /// <summary>A model that takes --model-latency, through the real openai-compatible provider.</summary>
    public async Task ModelLatencyAsync(Dictionary<int, List<PassResult>> results)
    {
        TimeSpan latency = options.ModelLatency;
        double ideal = 3 * latency.TotalMilliseconds;
        if (options.References)
        {
            AddAll(results, await PlainDurableReference.RunAsync(options.Runs, storage, options.Overrides, latency));
            Console.Error.WriteLine("  model-latency reference done");
        }

        await using ModelStub model = await ModelStub.StartAsync(latency);
        await using EngineProcess engine = await EngineProcess.StartAsync(storage.ConnectionString, NewHub(), WithModel(model));
        var passes = new EnginePasses(engine, storage);
        await passes.ThreeStepAsync(5);
        foreach (int n in options.Runs)
        {
            long answered = model.Answered;
            PassResult pass = await passes.ThreeStepAsync(n, $"StreamCanvas, {EnginePasses.ThreeStep}, model {latency.TotalSeconds:0.#} s");
            results[n].Add(pass with { IdealMs = ideal, Note = $"{model.Answered - answered} model calls answered" });
            Console.Error.WriteLine($"  model-latency pass done for N={n}");
        }
    }

    /// <summary>A model that answers 429 above --model-rate requests/s: without the quota limiter, then with it.</summary>
    public async Task QuotaAsync(Dictionary<int, List<PassResult>> results)
    {
        int rate = options.ModelRate;
        foreach (bool limited in new[] { false, true })
        {
            await using ModelStub model = await ModelStub.StartAsync(options.ModelLatency, rate);
            Dictionary<string, string> settings = WithModel(model);
            if (limited)
            {
                // As many calls in flight as the stub takes per second: a call lasts the model's latency (≥ 1 s), so a
                // slot starts at most one call in any second. (RequestsPerMinute in fixed one-second windows let twice
                // a window's share through around each window's edge and drew more 429s than no limiter: see
                // docs/performance.md.)
                settings["Model__Quota__" + (options.QuotaSetting ?? "MaxConcurrentCalls")] = options.QuotaValue ?? rate.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await using EngineProcess engine = await EngineProcess.StartAsync(storage.ConnectionString, NewHub(), settings);
            var passes = new EnginePasses(engine, storage);
            await passes.ThreeStepAsync(5);
            foreach (int n in options.Runs)
            {
                long throttled = model.Throttled;
                long answered = model.Answered;
                DateTimeOffset started = DateTimeOffset.UtcNow;
                PassResult pass = await passes.ThreeStepAsync(n, $"StreamCanvas, {EnginePasses.ThreeStep}, 429 above {rate}/s, {(limited ? "limiter" : "no limiter")}");
                results[n].Add(pass with
                {
                    Note = $"{model.Throttled - throttled} answers 429, {model.Answered - answered} answered, all runs ended after {(DateTimeOffset.UtcNow - started).TotalSeconds:0.0} s",
                });
                Console.Error.WriteLine($"  quota pass ({(limited ? "limiter" : "no limiter")}) done for N={n}");
            }
        }
    }

    /// <summary>Offline model: one map run and many parallel runs, after the hand-written fan-out on the same settings.</summary>
    public async Task<List<PassResult>> FanOutAsync()
    {
        var results = new List<PassResult>();
        if (options.References)
        {
            results.AddRange(await PlainFanOutReference.RunAsync(options.MapItems, options.ParallelRuns, storage, options.Overrides));
            Console.Error.WriteLine("  fan-out references done");
        }

        await using EngineProcess engine = await EngineProcess.StartAsync(storage.ConnectionString, NewHub(), options.Overrides);
        var passes = new EnginePasses(engine, storage);
        await passes.ParallelAsync(5);
        results.Add(await passes.MapAsync(1, options.MapItems));
        Console.Error.WriteLine("  map pass done");
        results.Add(await passes.ParallelAsync(options.ParallelRuns));
        Console.Error.WriteLine("  parallel pass done");
        return results;
    }

    Dictionary<string, string> WithModel(ModelStub model) => new(options.Overrides)
    {
        ["Model__Provider"] = "openai-compatible",
        ["Model__Endpoint"] = model.BaseUrl,
        ["Model__ApiKey"] = "bench",
        ["Model__DefaultModel"] = "gpt-bench-stub",
    };

    void AddAll(Dictionary<int, List<PassResult>> results, List<PassResult> passes)
    {
        for (int i = 0; i < options.Runs.Length; i++)
        {
            results[options.Runs[i]].Add(passes[i]);
        }
    }

    static string NewHub() => "benchengine" + Guid.NewGuid().ToString("N")[..8];
}
