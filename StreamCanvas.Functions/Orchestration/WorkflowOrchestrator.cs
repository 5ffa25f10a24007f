using Microsoft.DurableTask;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

/// <summary>
/// The one orchestrator: interprets a workflow definition step by step. Replay-safe: time comes from the
/// context, all I/O happens in activities, and the definition travels in the input.
/// </summary>
public sealed class WorkflowOrchestrator : TaskOrchestrator<WorkflowRunRequest, WorkflowRunResult>
{
    /// <summary>Guards against a run that loops forever through request-changes or failure routes.</summary>
    public const int MaxStepExecutions = 500;

    public override async Task<WorkflowRunResult> RunAsync(TaskOrchestrationContext context, WorkflowRunRequest request)
    {
        var run = new RunState(request);
        WorkflowDefinition definition = request.Definition;
        var telemetry = new RunTelemetry(context, definition.Name);
        DateTime startedAt = context.CurrentUtcDateTime;
        telemetry.Started();
        try
        {
            WorkflowRunResult result = await InterpretAsync(context, run, telemetry);
            telemetry.Completed(result.Outcome);
            await RunRecording.FinishedAsync(context, run, startedAt, result.Outcome);
            return result;
        }
        catch (WorkflowFailedException failure)
        {
            telemetry.StepsFinished(run.Timeline);
            telemetry.Failed(failure);
            await OwnerAlerts.RunFailedAsync(context, run, failure);
            await RunRecording.FinishedAsync(context, run, startedAt, RunOutcomes.Failed, failure);
            throw;
        }
        catch (Exception unexpected)
        {
            // Not a failure the workflow describes (a bug, or an activity that threw past its own handling): the
            // run still ends Failed at its current step, and dashboards count it as such (the API shows it the same way).
            var failure = new WorkflowFailedException(run.CurrentStep ?? "", FailureReasons.ActivityError, unexpected.Message);
            telemetry.StepsFinished(run.Timeline);
            telemetry.Failed(failure);
            await OwnerAlerts.RunFailedAsync(context, run, failure);
            await RunRecording.FinishedAsync(context, run, startedAt, RunOutcomes.Failed, failure);
            throw;
        }
    }

    static async Task<WorkflowRunResult> InterpretAsync(TaskOrchestrationContext context, RunState run, RunTelemetry telemetry)
    {
        WorkflowDefinition definition = run.Definition;
        await StepSequence.RunAsync(context, run, telemetry);

        var criteria = definition.DefinitionOfDone
            .Select(c => new CriterionResult(c.Name, ConditionEvaluator.Evaluate(c.Condition, run.Data), Actual(c.Condition, run)))
            .ToList();
        string outcome = criteria.All(c => c.Met) ? RunOutcomes.Succeeded : RunOutcomes.FailedCriteria;
        run.Publish(context, new RunStatus { Workflow = definition.Name, Version = definition.Version, State = RunStates.Completed });

        return new WorkflowRunResult
        {
            Workflow = definition.Name,
            Version = definition.Version,
            Outcome = outcome,
            Outputs = run.Outputs(),
            DefinitionOfDone = criteria,
            Steps = run.Timeline,
            Totals = run.Totals(),
        };
    }

    static System.Text.Json.Nodes.JsonNode? Actual(Condition condition, RunState run) =>
        condition.Path is null ? null : StatePath.Resolve(run.Data, condition.Path)?.DeepClone();
}
