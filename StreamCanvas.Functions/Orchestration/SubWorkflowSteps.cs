using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using StreamCanvas.Activities;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

/// <summary>
/// Part of the interpreter: a workflow step runs another definition as a sub-orchestration of this run, with an
/// instance id derived from this run, the step and the round, so replays and restarts find the same child.
/// </summary>
internal static class SubWorkflowSteps
{
    /// <summary>The catalog lookup is local and cheap; retried briefly in case the host is starting.</summary>
    static readonly TaskOptions ResolveRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromSeconds(1)));

    public static async Task<string?> RunAsync(TaskOrchestrationContext context, RunState run, SubWorkflowStep step)
    {
        DateTime startedAt = context.CurrentUtcDateTime;
        int round = run.Timeline.Count(r => r.StepId == step.Id) + 1;
        var record = new StepRecord { StepId = step.Id, Kind = step.Kind, Status = StepStatuses.Failed, StartedAt = startedAt, Attempts = round };
        var entry = new JsonObject { ["attempts"] = round };
        JsonObject input = Template.RenderJson(step.Input, run.Data) as JsonObject ?? [];
        ResolvedWorkflow resolved = await context.CallActivityAsync<ResolvedWorkflow>(nameof(ResolveWorkflowActivity), new ResolveWorkflowRequest(step.Workflow, input), ResolveRetry);
        if (resolved.Definition is null)
        {
            var invalid = new StepError(FailureReasons.Validation, resolved.Error ?? $"workflow '{step.Workflow}' could not be resolved", Retryable: false);
            return StepFailures.Follow(context, run, step, record with { CompletedAt = context.CurrentUtcDateTime, Error = invalid }, entry, invalid);
        }

        // A map item runs the same step once per item: its index keeps each item's child apart.
        string scope = run.ItemIndex is int index ? $"{step.Id}#{index}" : step.Id;
        string childId = RunIds.ForChild(step.Workflow, context.InstanceId, scope, round);
        record = record with { ChildInstanceId = childId };
        // The child's execution id comes from the orchestration (replay-safe), not Guid.NewGuid as for a start.
        WorkflowRunRequest request = new WorkflowRunRequest(
            resolved.Definition, resolved.DefinitionHash!, input, null, WorkflowRunRequest.CurrentEngineRevision, context.NewGuid().ToString("N"))
        {
            ParentInstanceId = context.InstanceId,
        };
        run.StartChild(childId);
        try
        {
            WorkflowRunResult child = await context.CallSubOrchestratorAsync<WorkflowRunResult>(
                nameof(WorkflowOrchestrator), request, new SubOrchestrationOptions { InstanceId = childId });
            entry["output"] = new JsonObject
            {
                ["instanceId"] = childId,
                ["workflow"] = child.Workflow,
                ["version"] = child.Version,
                ["outcome"] = child.Outcome,
                ["outputs"] = child.Outputs.DeepClone(),
            };
            run.SetStep(step.Id, entry);
            run.Timeline.Add(record with
            {
                Status = StepStatuses.Succeeded, CompletedAt = context.CurrentUtcDateTime,
                Tokens = new TokenUsage(child.Totals.PromptTokens, child.Totals.CompletionTokens),
                Cost = child.Totals.Cost == 0 ? null : child.Totals.Cost,
            });
            return run.NextAfter(step);
        }
        catch (TaskFailedException failed)
        {
            // The child's failure reason becomes this step's; its message names the child run and its failed step.
            string message = failed.FailureDetails.ErrorMessage;
            (string reason, string detail) = WorkflowFailedException.TryParse(message) is { } parsed
                ? (parsed.Reason, $"step '{parsed.StepId}': {parsed.Detail}")
                : (FailureReasons.ActivityError, message);
            var error = new StepError(reason, $"workflow '{step.Workflow}' run '{childId}' failed at {detail}", Retryable: false);
            return StepFailures.Follow(context, run, step, record with { CompletedAt = context.CurrentUtcDateTime, Error = error }, entry, error);
        }
        finally
        {
            run.EndChild(childId);
        }
    }
}
