using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

/// <summary>
/// What a run knows while it executes: the state templates and conditions read, and the timeline so far.
/// Rebuilt identically on every replay from the orchestration's history.
/// </summary>
public sealed class RunState(WorkflowRunRequest request)
{
    public WorkflowDefinition Definition { get; } = request.Definition;

    /// <summary>The interpreter revision the run started under (see <see cref="WorkflowRunRequest.CurrentEngineRevision"/>).</summary>
    public int EngineRevision { get; } = request.Revision;

    /// <summary>What approval links of this execution are signed for (empty for runs that started without one).</summary>
    public string ExecutionId { get; } = request.ExecutionId ?? "";

    /// <summary>{ "input": ..., "steps": { "&lt;id&gt;": { "output", "status", "attempts", "model" } } }.</summary>
    public JsonObject Data { get; } = new()
    {
        [StatePath.InputRoot] = request.Input.DeepClone(),
        [StatePath.StepsRoot] = new JsonObject(),
    };

    public List<StepRecord> Timeline { get; } = [];
    public double ApprovalWaitSeconds { get; set; }

    JsonObject Steps => Data[StatePath.StepsRoot]!.AsObject();

    public void SetStep(string stepId, JsonObject entry) => Steps[stepId] = entry;

    public JsonObject Outputs()
    {
        var outputs = new JsonObject();
        foreach ((string id, JsonNode? entry) in Steps)
        {
            outputs[id] = entry?["output"]?.DeepClone();
        }

        return outputs;
    }

    public RunTotals Totals() => new(
        Timeline.Sum(r => r.Tokens?.Prompt ?? 0),
        Timeline.Sum(r => r.Tokens?.Completion ?? 0),
        Timeline.Count,
        ApprovalWaitSeconds);

    /// <summary>
    /// Publishes the status with the totals and as much of the timeline's tail as fits (<see cref="RunStatusBudget"/>).
    /// Replay-safe: the timeline is rebuilt identically on replay, and only the last status of each checkpoint is stored.
    /// </summary>
    public void Publish(TaskOrchestrationContext context, RunStatus status)
    {
        CurrentStep = status.CurrentStep ?? CurrentStep;
        context.SetCustomStatus(RunStatusBudget.Fit(status with { Totals = Totals() }, Timeline));
    }

    /// <summary>The step the last published status named: where the run is, or where it stopped.</summary>
    public string? CurrentStep { get; private set; }

    /// <summary>Records the failure on the custom status and ends the run as Failed.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public void Fail(TaskOrchestrationContext context, string stepId, string reason, string message)
    {
        Publish(context, new RunStatus
        {
            Workflow = Definition.Name,
            Version = Definition.Version,
            State = RunStates.Failed,
            CurrentStep = stepId,
            StepKind = Definition.FindStep(stepId)?.Kind,
            Failure = new RunFailure(stepId, reason, message),
        });
        throw new WorkflowFailedException(stepId, reason, message);
    }
}
