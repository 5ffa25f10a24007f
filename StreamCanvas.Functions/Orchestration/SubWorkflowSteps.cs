using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using StreamCanvas.Activities;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

/// <summary>
/// Part of the interpreter: a workflow step runs another definition as a sub-orchestration of this run, with an
/// instance id derived from this run, the step and the round, so replays and restarts find the same child.
/// Agents start their workflow tools the same way (<see cref="RunChildAsync"/>).
/// </summary>
internal static class SubWorkflowSteps
{
    /// <summary>The catalog lookup is local and cheap; retried briefly in case the host is starting.</summary>
    public static readonly TaskOptions ResolveRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromSeconds(1)));

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

        ChildRun child = await RunChildAsync(context, run, step, step.Workflow, resolved, input, step.Id, round);
        record = record with { ChildInstanceId = child.InstanceId };
        if (child.Error is { } error)
        {
            return StepFailures.Follow(context, run, step, record with { CompletedAt = context.CurrentUtcDateTime, Error = error }, entry, error);
        }

        entry["output"] = child.Output();
        run.SetStep(step.Id, entry);
        run.Timeline.Add(record with
        {
            Status = StepStatuses.Succeeded, CompletedAt = context.CurrentUtcDateTime,
            Tokens = new TokenUsage(child.Result!.Totals.PromptTokens, child.Result.Totals.CompletionTokens),
            Cost = child.Result.Totals.Cost == 0 ? null : child.Result.Totals.Cost,
        });
        return run.NextAfter(step);
    }

    /// <summary>
    /// Runs <paramref name="resolved"/> (pinned: the definition and hash resolved when the step started) as a child
    /// of this run and waits for it. The child's id comes from this run, <paramref name="scope"/> (plus the map
    /// item's index) and <paramref name="round"/>, so a replay or a restart finds the same child, never a second one.
    /// <paramref name="caller"/> is the step that starts it (a workflow step, or an agent calling a workflow tool).
    /// </summary>
    public static async Task<ChildRun> RunChildAsync(
        TaskOrchestrationContext context, RunState run, WorkflowStep caller, string workflow, ResolvedWorkflow resolved, JsonObject input, string scope, int round)
    {
        // A map item runs the same step once per item: its index keeps each item's child apart.
        string scoped = run.Data[StatePath.IndexRoot] is JsonNode index ? $"{scope}#{index.ToJsonString()}" : scope;
        string childId = RunIds.ForChild(workflow, context.InstanceId, scoped, round);

        // The child's execution id comes from the orchestration (replay-safe), not Guid.NewGuid as for a start.
        var request = new WorkflowRunRequest(
            resolved.Definition!, resolved.DefinitionHash!, input, null, WorkflowRunRequest.CurrentEngineRevision, context.NewGuid().ToString("N"))
        {
            ParentInstanceId = context.InstanceId,
        };
        run.StartChild(childId);
        // Published now rather than at the next step: a child can run for hours (an approval in it), and the run's
        // status (API, dashboard) links to it meanwhile. A status only; nothing scheduled changes.
        run.Publish(context, new RunStatus { Workflow = run.Definition.Name, Version = run.Definition.Version, State = RunStates.Running, CurrentStep = caller.Id, StepKind = caller.Kind });
        try
        {
            WorkflowRunResult result = await context.CallSubOrchestratorAsync<WorkflowRunResult>(
                nameof(WorkflowOrchestrator), request, new SubOrchestrationOptions { InstanceId = childId });
            return new ChildRun(childId, result, null);
        }
        catch (TaskFailedException failed)
        {
            // The child's failure reason becomes the caller's; its message names the child run and its failed step.
            string message = failed.FailureDetails.ErrorMessage;
            (string reason, string detail) = WorkflowFailedException.TryParse(message) is { } parsed
                ? (parsed.Reason, $"step '{parsed.StepId}': {parsed.Detail}")
                : (FailureReasons.ActivityError, message);
            return new ChildRun(childId, null, new StepError(reason, $"workflow '{workflow}' run '{childId}' failed at {detail}", Retryable: false));
        }
        finally
        {
            run.EndChild(childId);
        }
    }
}

/// <summary>A child run and how it ended: its result, or the failure (the child's reason, a message naming its failed step).</summary>
internal sealed record ChildRun(string InstanceId, WorkflowRunResult? Result, StepError? Error)
{
    /// <summary>What the caller sees of a finished child: a workflow step's output, an agent's tool result.</summary>
    public JsonObject Output() => new()
    {
        ["instanceId"] = InstanceId,
        ["workflow"] = Result!.Workflow,
        ["version"] = Result.Version,
        ["outcome"] = Result.Outcome,
        ["outputs"] = Result.Outputs.DeepClone(),
    };
}
