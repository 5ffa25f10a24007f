using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace StreamCanvas.Bench;

/// <summary>
/// What the map and parallel steps cost: a hand-written fan-out (one orchestration calling its activities at once and
/// awaiting them with Task.WhenAll) on the same stack and settings as <see cref="PlainDurableReference"/>.
/// </summary>
public static class PlainFanOutReference
{
    /// <summary>A warm-up, then one run of <paramref name="mapItems"/> activities and <paramref name="parallelRuns"/> runs of ten.</summary>
    public static Task<List<PassResult>> RunAsync(int mapItems, int parallelRuns, StorageCounter storage, IReadOnlyDictionary<string, string> overrides) =>
        SidecarStack.RunAsync<List<PassResult>>(
            storage, overrides,
            tasks =>
            {
                tasks.AddOrchestrator<PlainFanOut>();
                // Its own name: the Durable analyzers key activities by name across the project.
                tasks.AddActivityFunc<string, string>(FanOutStep, (_, input) => PlainDurableReference.PlainStep.Answer(input));
            },
            async client =>
            {
                await PassAsync(client, storage, 5, EnginePasses.Branches, "warm-up");
                return
                [
                    await PassAsync(client, storage, 1, mapItems, $"hand-written fan-out, 1 run x {mapItems}"),
                    await PassAsync(client, storage, parallelRuns, EnginePasses.Branches, $"hand-written fan-out, {parallelRuns} runs x {EnginePasses.Branches}"),
                ];
            });

    static async Task<PassResult> PassAsync(DurableTaskClient client, StorageCounter storage, int runs, int width, string name) =>
        await ReferencePass.MeasureAsync(client, storage, name, runs,
            i => client.ScheduleNewOrchestrationInstanceAsync(nameof(PlainFanOut), new FanOutInput($"topic {i}", width))) with { ItemsPerRun = width };

    const string FanOutStep = "PlainFanOutStep";

    public sealed record FanOutInput(string Topic, int Width);

    /// <summary>Every activity at once, results in order: the map's and the parallel step's work, by hand.</summary>
    public sealed class PlainFanOut : TaskOrchestrator<FanOutInput, string[]>
    {
        public override Task<string[]> RunAsync(TaskOrchestrationContext context, FanOutInput input) =>
            Task.WhenAll(Enumerable.Range(0, input.Width).Select(i => context.CallActivityAsync<string>(FanOutStep, $"Answer {input.Topic} {i}")));
    }
}
