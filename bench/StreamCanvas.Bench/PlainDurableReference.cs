using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace StreamCanvas.Bench;

/// <summary>
/// What the interpreter costs: a hand-written three-activity orchestration on the same stack as the standalone host
/// (Azure Storage provider with the same settings, gRPC sidecar, Durable Task worker) and the same Azurite.
/// </summary>
public static class PlainDurableReference
{
    /// <summary>One host for a warm-up (partition leases, JIT) and every N.</summary>
    /// <param name="stepLatency">How long each activity takes (a model call's latency); zero for trivial steps.</param>
    public static Task<List<PassResult>> RunAsync(IReadOnlyList<int> runs, StorageCounter storage, IReadOnlyDictionary<string, string> overrides, TimeSpan stepLatency = default) =>
        SidecarStack.RunAsync(
            storage, overrides,
            tasks =>
            {
                tasks.AddOrchestrator<PlainThreeSteps>();
                tasks.AddActivityFunc<string, string>(nameof(PlainStep), async (_, input) =>
                {
                    await Task.Delay(stepLatency);
                    return PlainStep.Answer(input);
                });
            },
            client => PassResult.WarmThenMeasureAsync(runs, async n => await PassAsync(client, storage, n) is var result && stepLatency > TimeSpan.Zero
                ? result with { Name = $"{result.Name}, steps {stepLatency.TotalSeconds:0.#} s", IdealMs = 3 * stepLatency.TotalMilliseconds }
                : result));

    static Task<PassResult> PassAsync(DurableTaskClient client, StorageCounter storage, int n) =>
        ReferencePass.MeasureAsync(client, storage, "hand-written 3-activity orchestration, same Azurite", n,
            i => client.ScheduleNewOrchestrationInstanceAsync(nameof(PlainThreeSteps), $"topic {i}"));

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

    /// <summary>The activity's name and its answer; registered as a function so it can take a model's latency.</summary>
    public static class PlainStep
    {
        public static string Answer(string input) => $"[plain] {(input.Length > 200 ? input[..200] : input)}";
    }
}
