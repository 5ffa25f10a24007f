using System.Net;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace StreamCanvas.Bench;

/// <summary>
/// What the interpreter costs: a hand-written three-activity orchestration on the same stack as the standalone host
/// (Azure Storage provider with the same settings, gRPC sidecar, Durable Task worker) and the same Azurite.
/// </summary>
public static class PlainDurableReference
{
    /// <summary>One host for a warm-up (partition leases, JIT) and every N.</summary>
    public static Task<List<PassResult>> RunAsync(IReadOnlyList<int> runs, StorageCounter storage, IReadOnlyDictionary<string, string> overrides) =>
        SidecarStack.RunAsync(
            storage, overrides,
            tasks =>
            {
                tasks.AddOrchestrator<PlainThreeSteps>();
                tasks.AddActivity<PlainStep>();
            },
            client => PassResult.WarmThenMeasureAsync(runs, n => PassAsync(client, storage, n)));

    static async Task<PassResult> PassAsync(DurableTaskClient client, StorageCounter storage, int n)
    {
        double idle = await storage.IdleRateAsync();
        long before = storage.Requests;
        DateTimeOffset t0 = DateTimeOffset.UtcNow;
        string[] ids = await Task.WhenAll(Enumerable.Range(0, n).Select(i => client.ScheduleNewOrchestrationInstanceAsync(nameof(PlainThreeSteps), $"topic {i}")));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(20));
        OrchestrationMetadata[] done = await Task.WhenAll(ids.Select(id => client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: false, timeout.Token)));
        double seconds = (DateTimeOffset.UtcNow - t0).TotalSeconds;
        long used = storage.Requests - before;
        DateTimeOffset last = done.Max(m => m.LastUpdatedAt);
        var latency = done.Select(m => (m.LastUpdatedAt - m.CreatedAt).TotalMilliseconds).ToList();
        int failed = done.Count(m => m.RuntimeStatus != OrchestrationRuntimeStatus.Completed);
        return new PassResult("hand-written 3-activity orchestration, same Azurite", n, failed, n / Math.Max((last - t0).TotalSeconds, 0.001),
            latency, [], [], (used - idle * seconds) / n, idle);
    }

    /// <summary>Three activity calls in a row, each fed the previous result: the interpreter's work, by hand.</summary>
    public sealed class PlainThreeSteps : TaskOrchestrator<string, string>
    {
        public override async Task<string> RunAsync(TaskOrchestrationContext context, string input)
        {
            string outline = await context.CallActivityAsync<string>(nameof(PlainStep), $"Outline {input}");
            string draft = await context.CallActivityAsync<string>(nameof(PlainStep), $"Draft from {outline}");
            return await context.CallActivityAsync<string>(nameof(PlainStep), $"Polish {draft}");
        }
    }

    public sealed class PlainStep : Microsoft.DurableTask.TaskActivity<string, string>
    {
        public override Task<string> RunAsync(TaskActivityContext context, string input) =>
            Task.FromResult($"[plain] {(input.Length > 200 ? input[..200] : input)}");
    }
}
