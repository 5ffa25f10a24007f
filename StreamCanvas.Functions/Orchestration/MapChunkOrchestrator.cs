using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

/// <summary>
/// Runs one chunk of a large map step's items as its own orchestration, so each history (and each replay of it)
/// stays small however many items the map has (see <see cref="MapStep.ItemsPerChunk"/>).
/// </summary>
public sealed class MapChunkOrchestrator : TaskOrchestrator<MapChunkRequest, MapChunkResult>
{
    /// <summary>"&lt;run&gt;~&lt;step&gt;-&lt;round&gt;~chunk-&lt;n&gt;": the run's id leads, so a chunk sorts beside its run.</summary>
    public static string InstanceIdFor(string instanceId, string stepId, int round, int chunk) => $"{instanceId}~{stepId}-{round}~chunk-{chunk}";

    public override async Task<MapChunkResult> RunAsync(TaskOrchestrationContext context, MapChunkRequest request)
    {
        MapStep step = request.Definition.FindStepAnywhere(request.MapStepId) as MapStep
            ?? throw new InvalidOperationException($"the definition has no map step '{request.MapStepId}'");
        var run = new RunState(new WorkflowRunRequest(request.Definition, request.DefinitionHash, new JsonObject(), EngineRevision: request.EngineRevision));
        var telemetry = new RunTelemetry(context, request.Definition.Name);
        MapItemResult?[] items = await MapItems.RunAsync(
            context, run, step, request.Outer, request.Items, request.FirstIndex, request.MaxConcurrency, request.Tolerated, telemetry,
            (succeeded, running, failed) =>
            {
                run.ReportProgress(new StepProgress(step.Id, step.Kind, request.Items.Count, succeeded, running, failed));
                run.Publish(context, new RunStatus { Workflow = request.Definition.Name, Version = request.Definition.Version, State = RunStates.Running, CurrentStep = step.Id, StepKind = step.Kind });
            });
        return new MapChunkResult(items);
    }
}

/// <param name="Outer">The state the body may read ({ "input", "steps" }); each item adds "item" and "index".</param>
/// <param name="Tolerated">Failures the map can still take when the chunk starts; past it the chunk starts no more items.</param>
public sealed record MapChunkRequest(
    WorkflowDefinition Definition, string DefinitionHash, string MapStepId, JsonObject Outer, JsonArray Items, int FirstIndex, int MaxConcurrency, int Tolerated, int EngineRevision);

/// <summary>Each item's result in item order; null for items the chunk did not start.</summary>
public sealed record MapChunkResult(IReadOnlyList<MapItemResult?> Items);
