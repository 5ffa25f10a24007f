using Microsoft.DurableTask;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

/// <summary>Part of the interpreter: runs one list of steps (the workflow's, a branch's, a map item's) to its end.</summary>
internal static class StepSequence
{
    public static async Task RunAsync(TaskOrchestrationContext context, RunState run, RunTelemetry telemetry)
    {
        string? current = run.Steps[0].Id;
        while (current is not null && !run.Cancelled)
        {
            WorkflowStep step = run.FindStep(current)
                ?? throw new WorkflowFailedException(current, FailureReasons.Validation, $"the definition has no step '{current}'");
            if (run.Timeline.Count >= WorkflowOrchestrator.MaxStepExecutions)
            {
                run.Fail(context, step.Id, FailureReasons.StepLimit, $"more than {WorkflowOrchestrator.MaxStepExecutions} step executions");
            }

            run.Publish(context, new RunStatus { Workflow = run.Definition.Name, Version = run.Definition.Version, State = RunStates.Running, CurrentStep = step.Id, StepKind = step.Kind });
            current = step switch
            {
                ConditionStep condition => TakeBranch(context, run, condition),
                ApprovalStep approval => await ApprovalGate.RunAsync(context, run, approval, telemetry),
                ParallelStep parallel => await ParallelSteps.RunAsync(context, run, parallel, telemetry),
                MapStep map => await MapSteps.RunAsync(context, run, map, telemetry),
                SubWorkflowStep sub => await SubWorkflowSteps.RunAsync(context, run, sub),
                AgentStep agent => await AgentSteps.RunAsync(context, run, agent, telemetry),
                _ => await ActivitySteps.RunAsync(context, run, step),
            };
            run.StepsRun.Add(step.Id);

            // A branch's records reach the run's timeline (and telemetry) when its parallel step takes them in.
            if (!run.IsNested)
            {
                telemetry.StepsFinished(run.Timeline);
            }
        }
    }

    static string? TakeBranch(TaskOrchestrationContext context, RunState run, ConditionStep step)
    {
        string target = step.Branches.FirstOrDefault(b => ConditionEvaluator.Evaluate(b.When, run.Data))?.Goto ?? step.Else;
        DateTime now = context.CurrentUtcDateTime;
        run.Timeline.Add(new StepRecord { StepId = step.Id, Kind = step.Kind, Status = StepStatuses.Succeeded, StartedAt = now, CompletedAt = now, Next = target });
        return target == StepIds.End ? null : target;
    }
}
