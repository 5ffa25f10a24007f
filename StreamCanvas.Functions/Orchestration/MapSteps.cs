using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.DurableTask;
using StreamCanvas.Activities;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

/// <summary>
/// Part of the interpreter: a map step runs its body once per item. Up to <see cref="MapStep.ItemsPerChunk"/> items run in
/// this orchestration; more are split into chunks, each a sub-orchestration (<see cref="MapChunkOrchestrator"/>).
/// </summary>
internal static partial class MapSteps
{
    /// <summary>How many items a step shows per failure in its error message.</summary>
    const int ReasonsShown = 5;

    public static async Task<string?> RunAsync(TaskOrchestrationContext context, RunState run, MapStep step, RunTelemetry telemetry)
    {
        DateTime startedAt = context.CurrentUtcDateTime;
        var entry = new JsonObject { ["attempts"] = 1 };
        var record = new StepRecord { StepId = step.Id, Kind = step.Kind, Status = StepStatuses.Failed, StartedAt = startedAt };
        string? refused = StatePath.Resolve(run.Data, step.Items) switch
        {
            JsonArray { Count: > MapStep.MaxItems } many => $"'{step.Items}' has {many.Count} items; a map step takes at most {MapStep.MaxItems}",
            JsonArray => null,
            _ => $"'{step.Items}' is not an array",
        };
        if (refused is not null)
        {
            var invalid = new StepError(FailureReasons.Validation, refused, Retryable: false);
            return StepFailures.Follow(context, run, step, record with { CompletedAt = context.CurrentUtcDateTime, Error = invalid }, entry, invalid);
        }

        var items = StatePath.Resolve(run.Data, step.Items)!.AsArray();
        int tolerated = step.ToleratedFailures(items.Count);
        JsonObject outer = OuterState(run.Data, step);
        void Report(int succeeded, int running, int failed)
        {
            run.ReportProgress(new StepProgress(step.Id, step.Kind, items.Count, succeeded, running, failed));
            run.Publish(context, new RunStatus { Workflow = run.Definition.Name, Version = run.Definition.Version, State = RunStates.Running, CurrentStep = step.Id, StepKind = step.Kind });
        }

        Report(0, 0, 0);
        MapItemResult?[] results = items.Count <= step.ItemsPerChunk
            ? await MapItems.RunAsync(context, run, step, outer, items, 0, step.MaxConcurrency, tolerated, telemetry, Report)
            : await RunChunksAsync(context, run, step, outer, items, tolerated, Report);
        run.EndProgress(step.Id);

        int done = results.Count(r => r is { Succeeded: true });
        int failed = results.Count(r => r is { Succeeded: false });
        entry["output"] = new JsonObject
        {
            ["results"] = new JsonArray(results.Select(r => r?.Output?.DeepClone()).ToArray()),
            ["items"] = new JsonArray(results.Select(ItemStatus).ToArray()),
            ["succeeded"] = done,
            ["failed"] = failed,
        };
        record = record with
        {
            CompletedAt = context.CurrentUtcDateTime,
            Tokens = Sum(results.Select(r => r?.Tokens)),
            Cost = results.Any(r => r?.Cost is not null) ? results.Sum(r => r?.Cost ?? 0) : null,
            Progress = new StepProgress(step.Id, step.Kind, items.Count, done, 0, failed),
        };
        if (failed <= tolerated && done + failed == items.Count)
        {
            run.SetStep(step.Id, entry);
            run.Timeline.Add(record with { Status = StepStatuses.Succeeded });
            return run.NextAfter(step);
        }

        string reasons = string.Join("; ", results.Select((r, i) => (r, i)).Where(x => x.r is { Succeeded: false }).Take(ReasonsShown)
            .Select(x => $"item {x.i}: {x.r!.Error!.Reason}: {x.r.Error.Message}"));
        var error = new StepError(FailureReasons.ItemsFailed, $"{failed} of {items.Count} item(s) failed; {tolerated} tolerated ({reasons})", Retryable: false);
        return StepFailures.Follow(context, run, step, record with { Error = error }, entry, error);
    }

    /// <summary>
    /// Chunks run as sub-orchestrations with ids derived from the run, the step and the chunk, so a replayed or
    /// restarted parent finds the same children. Chunks at once times items per chunk never exceeds maxConcurrency.
    /// </summary>
    static async Task<MapItemResult?[]> RunChunksAsync(
        TaskOrchestrationContext context, RunState run, MapStep step, JsonObject outer, JsonArray items, int tolerated, Action<int, int, int> report)
    {
        int perChunk = Math.Min(step.MaxConcurrency, step.ItemsPerChunk);
        int chunksAtOnce = Math.Max(1, step.MaxConcurrency / perChunk);
        int chunks = (items.Count + step.ItemsPerChunk - 1) / step.ItemsPerChunk;
        int round = run.Timeline.Count(r => r.StepId == step.Id) + 1;
        var results = new MapItemResult?[items.Count];
        var running = new Dictionary<Task<MapChunkResult>, int>();
        int next = 0;
        int succeeded = 0;
        int failed = 0;
        while (next < chunks || running.Count > 0)
        {
            while (running.Count < chunksAtOnce && next < chunks && failed <= tolerated)
            {
                int first = next * step.ItemsPerChunk;
                var slice = new JsonArray(items.Skip(first).Take(step.ItemsPerChunk).Select(i => i?.DeepClone()).ToArray());
                var request = new MapChunkRequest(run.Definition, "", step.Id, outer, slice, first, perChunk, tolerated - failed, run.EngineRevision);
                running[context.CallSubOrchestratorAsync<MapChunkResult>(
                    nameof(MapChunkOrchestrator), request, new SubOrchestrationOptions { InstanceId = MapChunkOrchestrator.InstanceIdFor(context.InstanceId, step.Id, round, next) })] = next;
                next++;
            }

            if (running.Count == 0)
            {
                break;
            }

            Task<MapChunkResult> finished = await Task.WhenAny(running.Keys);
            int chunk = running[finished];
            running.Remove(finished);
            MapChunkResult result = await finished;
            for (int i = 0; i < result.Items.Count; i++)
            {
                results[(chunk * step.ItemsPerChunk) + i] = result.Items[i];
            }

            succeeded += result.Items.Count(r => r is { Succeeded: true });
            failed += result.Items.Count(r => r is { Succeeded: false });
            report(succeeded, running.Count * perChunk, failed);
        }

        return results;
    }

    static JsonObject ItemStatus(MapItemResult? result) => result switch
    {
        null => new JsonObject { ["status"] = StepStatuses.Cancelled },
        { Succeeded: true } => new JsonObject { ["status"] = StepStatuses.Succeeded },
        _ => new JsonObject { ["status"] = StepStatuses.Failed, ["reason"] = result.Error!.Reason, ["message"] = result.Error.Message },
    };

    /// <summary>
    /// The input and only the step entries the body refers to: every item gets its own copy, so copying the whole
    /// state thousands of times is avoided.
    /// </summary>
    static JsonObject OuterState(JsonObject data, MapStep step)
    {
        string body = JsonSerializer.Serialize(step.Steps, DefinitionJson.Options);
        var referenced = StepReference().Matches(body).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var steps = new JsonObject();
        foreach ((string id, JsonNode? value) in data[StatePath.StepsRoot]!.AsObject())
        {
            if (referenced.Contains(id))
            {
                steps[id] = value?.DeepClone();
            }
        }

        return new JsonObject { [StatePath.InputRoot] = data[StatePath.InputRoot]?.DeepClone(), [StatePath.StepsRoot] = steps };
    }

    [GeneratedRegex(@"steps\.([A-Za-z][A-Za-z0-9_-]*)")]
    private static partial Regex StepReference();

    static TokenUsage? Sum(IEnumerable<TokenUsage?> usages)
    {
        var all = usages.OfType<TokenUsage>().ToList();
        return all.Count == 0 ? null : new TokenUsage(all.Sum(u => u.Prompt), all.Sum(u => u.Completion));
    }
}
