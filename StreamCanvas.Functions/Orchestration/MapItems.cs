using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using StreamCanvas.Activities;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

/// <summary>
/// Part of the interpreter: runs a map body once per item, never more than maxConcurrency at a time, and stops
/// starting items once more have failed than the step tolerates. Items finish in any order; results keep item order.
/// </summary>
internal static class MapItems
{
    /// <param name="outer">The state the body may read: { "input", "steps" } with the entries it refers to.</param>
    /// <param name="onProgress">Called whenever items start or finish, with (succeeded, running, failed).</param>
    public static async Task<MapItemResult?[]> RunAsync(
        TaskOrchestrationContext context, RunState run, MapStep step, JsonObject outer, JsonArray items,
        int firstIndex, int maxConcurrency, int tolerated, RunTelemetry telemetry, Action<int, int, int> onProgress)
    {
        var results = new MapItemResult?[items.Count];
        var running = new Dictionary<Task<MapItemResult>, int>();
        int next = 0;
        int succeeded = 0;
        int failed = 0;
        while (next < items.Count || running.Count > 0)
        {
            while (running.Count < maxConcurrency && next < items.Count && failed <= tolerated)
            {
                var data = outer.DeepClone().AsObject();
                data[StatePath.ItemRoot] = items[next]?.DeepClone();
                data[StatePath.IndexRoot] = firstIndex + next;
                running[RunItemAsync(context, run.Item(step.Steps, data), step.Id, firstIndex + next, telemetry)] = next;
                next++;
            }

            if (running.Count == 0)
            {
                break;
            }

            onProgress(succeeded, running.Count, failed);
            Task<MapItemResult> finished = await Task.WhenAny(running.Keys);
            int index = running[finished];
            running.Remove(finished);
            MapItemResult result = await finished;
            results[index] = result;
            if (result.Succeeded)
            {
                succeeded++;
            }
            else
            {
                failed++;
            }
        }

        return results;
    }

    static async Task<MapItemResult> RunItemAsync(TaskOrchestrationContext context, RunState item, string mapStepId, int index, RunTelemetry telemetry)
    {
        DateTime startedAt = context.CurrentUtcDateTime;
        MapItemResult result;
        try
        {
            await StepSequence.RunAsync(context, item, telemetry);
            result = new MapItemResult(true, item.LastOutput()?.DeepClone(), null, Tokens(item), startedAt, context.CurrentUtcDateTime, Cost(item));
        }
        catch (WorkflowFailedException failure)
        {
            var error = new StepError(failure.Reason, $"step '{failure.StepId}': {failure.Detail}", Retryable: false);
            result = new MapItemResult(false, null, error, Tokens(item), startedAt, context.CurrentUtcDateTime, Cost(item));
        }

        // Reported here, as the item ends, while its timeline is at hand: the map keeps only the item's result.
        telemetry.ItemFinished(mapStepId, index, result, item.Timeline);
        return result;
    }

    static TokenUsage? Tokens(RunState item)
    {
        int prompt = item.Timeline.Sum(r => r.Tokens?.Prompt ?? 0);
        int completion = item.Timeline.Sum(r => r.Tokens?.Completion ?? 0);
        return prompt + completion == 0 ? null : new TokenUsage(prompt, completion);
    }

    static decimal? Cost(RunState item) => item.Timeline.Any(r => r.Cost is not null) ? item.Timeline.Sum(r => r.Cost ?? 0) : null;
}

/// <summary>How one map item ended; an item's own steps stay out of the run's timeline (there can be thousands).</summary>
public sealed record MapItemResult(bool Succeeded, JsonNode? Output, StepError? Error, TokenUsage? Tokens, DateTime StartedAt, DateTime CompletedAt, decimal? Cost = null);
