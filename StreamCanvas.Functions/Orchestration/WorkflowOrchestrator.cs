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
        telemetry.Started();
        try
        {
            WorkflowRunResult result = await InterpretAsync(context, run, telemetry);
            telemetry.Completed(result.Outcome);
            return result;
        }
        catch (WorkflowFailedException failure)
        {
            telemetry.StepsFinished(run.Timeline);
            telemetry.Failed(failure);
            await OwnerAlerts.RunFailedAsync(context, run, failure);
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
            throw;
        }
    }

    static async Task<WorkflowRunResult> InterpretAsync(TaskOrchestrationContext context, RunState run, RunTelemetry telemetry)
    {
        WorkflowDefinition definition = run.Definition;
        string? current = definition.Steps[0].Id;
        while (current is not null)
        {
            WorkflowStep step = definition.FindStep(current)
                ?? throw new WorkflowFailedException(current, FailureReasons.Validation, $"the definition has no step '{current}'");
            if (run.Timeline.Count >= MaxStepExecutions)
            {
                run.Fail(context, step.Id, FailureReasons.StepLimit, $"more than {MaxStepExecutions} step executions");
            }

            run.Publish(context, new RunStatus { Workflow = definition.Name, Version = definition.Version, State = RunStates.Running, CurrentStep = step.Id, StepKind = step.Kind });
            current = step switch
            {
                ConditionStep condition => TakeBranch(context, run, condition),
                ApprovalStep approval => await ApprovalGate.RunAsync(context, run, approval, telemetry),
                _ => await ActivitySteps.RunAsync(context, run, step),
            };
            telemetry.StepsFinished(run.Timeline);
        }

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

    static string? TakeBranch(TaskOrchestrationContext context, RunState run, ConditionStep step)
    {
        string target = step.Branches.FirstOrDefault(b => ConditionEvaluator.Evaluate(b.When, run.Data))?.Goto ?? step.Else;
        DateTime now = context.CurrentUtcDateTime;
        run.Timeline.Add(new StepRecord { StepId = step.Id, Kind = step.Kind, Status = StepStatuses.Succeeded, StartedAt = now, CompletedAt = now, Next = target });
        return target == StepIds.End ? null : target;
    }

    static System.Text.Json.Nodes.JsonNode? Actual(Condition condition, RunState run) =>
        condition.Path is null ? null : StatePath.Resolve(run.Data, condition.Path)?.DeepClone();
}
