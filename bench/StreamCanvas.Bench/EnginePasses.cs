using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using StreamCanvas.Activities.Notices;

namespace StreamCanvas.Bench;

/// <summary>Our engine (standalone host on Azurite) driven over its public HTTP API, as clients and approvers use it.</summary>
public sealed partial class EnginePasses(EngineProcess engine, StorageCounter storage)
{
    public const string ThreeStep = "bench-three-step";
    public const string Approval = "bench-approval";
    const int ClientParallelism = 64;

    static readonly ApprovalTokens Tokens = new(Options.Create(new ApprovalOptions { SigningKey = EngineProcess.SigningKey }), TimeProvider.System);

    /// <param name="name">How the pass is reported; the plain three-step pass by default.</param>
    public async Task<PassResult> ThreeStepAsync(int n, string? name = null)
    {
        StorageMeter meter = await storage.StartMeterAsync();
        DateTimeOffset t0 = DateTimeOffset.UtcNow;
        string[] ids = await StartAsync(ThreeStep, n);
        await WaitUntilNoneRunningAsync(ThreeStep);
        StorageRates perRun = meter.PerRun(n);
        JsonObject[] histories = await HistoriesAsync(ids);
        return Summarize(name ?? $"StreamCanvas, {ThreeStep}", histories, t0, perRun, meter.Idle, decidedAt: null);
    }

    public async Task<PassResult> ApprovalAsync(int n)
    {
        StorageMeter meter = await storage.StartMeterAsync();
        DateTimeOffset t0 = DateTimeOffset.UtcNow;
        string[] ids = await StartAsync(Approval, n);
        List<JsonObject> gates = await WaitForGatesAsync(ids);
        var decidedAt = new System.Collections.Concurrent.ConcurrentDictionary<string, DateTime>();
        using (var gate = new SemaphoreSlim(ClientParallelism))
        {
            await Task.WhenAll(gates.Select(async g =>
            {
                await gate.WaitAsync();
                try
                {
                    decidedAt[g["instanceId"]!.GetValue<string>()] = await DecideAsync(g);
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        await WaitUntilNoneRunningAsync(Approval);
        StorageRates perRun = meter.PerRun(n);
        JsonObject[] histories = await HistoriesAsync(ids);
        return Summarize($"StreamCanvas, {Approval}", histories, t0, perRun, meter.Idle, decidedAt);
    }

    /// <param name="input">Each run's input by its number; { topic } by default.</param>
    async Task<string[]> StartAsync(string workflow, int n, Func<int, object>? input = null)
    {
        using var gate = new SemaphoreSlim(ClientParallelism);
        return await Task.WhenAll(Enumerable.Range(0, n).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                using HttpResponseMessage response = await engine.Http.PostAsJsonAsync($"api/workflows/{workflow}/runs", input?.Invoke(i) ?? new { topic = $"topic {i}" });
                JsonObject body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
                return body["instanceId"]?.GetValue<string>() ?? throw new InvalidOperationException($"start answered {(int)response.StatusCode}: {body.ToJsonString()}");
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    async Task WaitUntilNoneRunningAsync(string workflow)
    {
        while (true)
        {
            JsonObject page = (await engine.Http.GetFromJsonAsync<JsonObject>($"api/runs?workflow={workflow}&status=Pending,Running&pageSize=1"))!;
            if (page["runs"]!.AsArray().Count == 0)
            {
                return;
            }

            // Completion times come from the runs' own timestamps, so polling once a second loses no precision;
            // each poll is a table query the storage figures count.
            await Task.Delay(1000);
        }
    }

    async Task<List<JsonObject>> WaitForGatesAsync(string[] ids)
    {
        var wanted = ids.ToHashSet();
        while (true)
        {
            JsonArray pending = (await engine.Http.GetFromJsonAsync<JsonArray>("api/approvals?status=pending"))!;
            var gates = pending.OfType<JsonObject>().Where(g => wanted.Contains(g["instanceId"]!.GetValue<string>())).ToList();
            if (gates.Count == ids.Length)
            {
                return gates;
            }

            await Task.Delay(500);
        }
    }

    /// <summary>Posts the approval through the signed webhook; returns when it was sent (UTC, this machine's clock).</summary>
    async Task<DateTime> DecideAsync(JsonObject gate)
    {
        string instanceId = gate["instanceId"]!.GetValue<string>();
        string gateId = gate["gateId"]!.GetValue<string>();
        // Links are signed for the run's execution, which the run view names.
        JsonObject run = (await engine.Http.GetFromJsonAsync<JsonObject>($"api/runs/{Uri.EscapeDataString(instanceId)}"))!;
        string token = Tokens.Issue(new TokenClaims(instanceId, run["executionId"]?.GetValue<string>() ?? "", gateId, gate["levelIndex"]!.GetValue<int>(),
            "bench@example.com", DateTimeOffset.UtcNow.AddHours(1)));
        DateTime sent = DateTime.UtcNow;
        using HttpResponseMessage response = await engine.Http.PostAsJsonAsync(
            $"api/approvals/{Uri.EscapeDataString(instanceId)}/{Uri.EscapeDataString(gateId)}?token={Uri.EscapeDataString(token)}",
            new { decision = "approve", approver = "bench@example.com", criteria = new Dictionary<string, bool> { ["Accurate"] = true }, snapshotHash = gate["snapshotHash"]!.GetValue<string>() });
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"decision for {instanceId} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        return sent;
    }

    async Task<JsonObject[]> HistoriesAsync(string[] ids)
    {
        using var gate = new SemaphoreSlim(16);
        return await Task.WhenAll(ids.Select(async id =>
        {
            await gate.WaitAsync();
            try
            {
                return (await engine.Http.GetFromJsonAsync<JsonObject>($"api/runs/{Uri.EscapeDataString(id)}/history"))!;
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    static PassResult Summarize(string name, JsonObject[] histories, DateTimeOffset t0, StorageRates storagePerRun, StorageRates idle, IReadOnlyDictionary<string, DateTime>? decidedAt)
    {
        var latency = new List<double>();
        var overhead = new List<double>();
        var resumes = new List<double>();
        int failed = 0;
        DateTimeOffset last = t0;
        foreach (JsonObject history in histories)
        {
            JsonObject[] steps = history["steps"]!.AsArray().OfType<JsonObject>().ToArray();
            if (history["runtimeStatus"]!.GetValue<string>() != "Completed")
            {
                failed++;
                continue;
            }

            DateTimeOffset created = history["createdAt"]!.GetValue<DateTimeOffset>();
            DateTimeOffset updated = history["lastUpdatedAt"]!.GetValue<DateTimeOffset>();
            last = updated > last ? updated : last;
            latency.Add((updated - created).TotalMilliseconds);
            for (int i = 0; i < steps.Length; i++)
            {
                JsonObject step = steps[i];
                double wall = (step["completedAt"]!.GetValue<DateTime>() - step["startedAt"]!.GetValue<DateTime>()).TotalMilliseconds;
                if (step["activityMilliseconds"]?.GetValue<double>() is double activity)
                {
                    overhead.Add(wall - activity);
                }

                // The gate records when the orchestration saw the decision; the webhook call is timed here, and the
                // run has resumed when the step after the gate starts.
                if (decidedAt is not null && step["approval"] is JsonObject && i + 1 < steps.Length &&
                    decidedAt.TryGetValue(history["instanceId"]!.GetValue<string>(), out DateTime sent))
                {
                    resumes.Add((steps[i + 1]["startedAt"]!.GetValue<DateTime>() - sent).TotalMilliseconds);
                }
            }
        }

        double elapsed = Math.Max((last - t0).TotalSeconds, 0.001);
        return new PassResult(name, histories.Length, failed, latency.Count / elapsed, latency, overhead, resumes, storagePerRun, idle);
    }
}
