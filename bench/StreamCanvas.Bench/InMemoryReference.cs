using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Models;
using StreamCanvas.Definitions;
using StreamCanvas.Hosting;
using StreamCanvas.Orchestration;

namespace StreamCanvas.Bench;

/// <summary>
/// Upper bound of the engine itself: the same interpreter and definition on Durable Task's in-memory orchestration
/// service (DurableTaskTestHost), with the offline model called directly (no storage, no token ledger).
/// </summary>
public static class InMemoryReference
{
    /// <summary>One host for a warm-up and every N, so start-up and JIT are not measured.</summary>
    public static async Task<List<PassResult>> RunAsync(IReadOnlyList<int> runs)
    {
        LoadedWorkflow workflow = DefinitionLoader.Load("bench-three-step.json", await File.ReadAllTextAsync(Path.Combine(Paths.Workflows, "bench-three-step.json")));
        var model = new OfflineChatClient();
        await using DurableTaskTestHost host = await DurableTaskTestHost.StartAsync(
            tasks => tasks.AddStreamCanvasTasks(activity => activity.RunBy(async input => input is LlmStepRequest request
                ? await CallModelAsync(model, request)
                : throw new InvalidOperationException($"the three-step benchmark runs no {activity.Name}"))),
            new DurableTaskTestHostOptions { LoggerFactory = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance });

        return await PassResult.WarmThenMeasureAsync(runs, n => PassAsync(host, workflow, n));
    }

    static async Task<StepOutcome> CallModelAsync(OfflineChatClient model, LlmStepRequest request)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        ModelReply reply = ModelCalls.Reply(await model.GetResponseAsync(ModelCalls.Messages(request.System, request.Prompt),
            ModelCalls.Options(request.Model, null, request.MaxTokens, json: false, schema: null), CancellationToken.None), request.Model);
        return new StepOutcome
        {
            Output = new JsonObject { ["text"] = reply.Text },
            Model = reply.Model,
            Tokens = reply.Tokens,
            DurationMilliseconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds,
        };
    }

    static async Task<PassResult> PassAsync(DurableTaskTestHost host, LoadedWorkflow workflow, int n)
    {
        DateTimeOffset t0 = DateTimeOffset.UtcNow;
        string[] ids = await Task.WhenAll(Enumerable.Range(0, n).Select(i => host.Client.ScheduleNewOrchestrationInstanceAsync(
            nameof(WorkflowOrchestrator), WorkflowRunRequest.New(workflow.Definition, workflow.ContentHash, new JsonObject { ["topic"] = $"topic {i}" }))));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        OrchestrationMetadata[] done = await Task.WhenAll(ids.Select(id => host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token)));
        DateTimeOffset last = done.Max(m => m.LastUpdatedAt);

        var latency = done.Select(m => (m.LastUpdatedAt - m.CreatedAt).TotalMilliseconds).ToList();
        var overhead = done.SelectMany(m => m.ReadOutputAs<WorkflowRunResult>()?.Steps ?? [])
            .Where(s => s.DurationMilliseconds is not null && s.ActivityMilliseconds is not null)
            .Select(s => s.DurationMilliseconds!.Value - s.ActivityMilliseconds!.Value)
            .ToList();
        int failed = done.Count(m => m.RuntimeStatus != OrchestrationRuntimeStatus.Completed);
        return new PassResult("in-memory reference (DurableTaskTestHost)", n, failed, n / Math.Max((last - t0).TotalSeconds, 0.001), latency, overhead, [], null, null);
    }
}
