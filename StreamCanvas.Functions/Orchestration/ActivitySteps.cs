using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using StreamCanvas.Activities;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

/// <summary>Part of the interpreter; every method runs inside the orchestrator and obeys its replay rules.</summary>
internal static class ActivitySteps
{
    /// <summary>Runs an llm or tool step under its retry policy, then follows its success or failure route.</summary>
    public static async Task<string?> RunAsync(TaskOrchestrationContext context, RunState run, WorkflowStep step)
    {
        StepRetryPolicy policy = step.Retry ?? StepRetryPolicy.None;
        DateTime startedAt = context.CurrentUtcDateTime;
        StepOutcome outcome = await CallStepActivityAsync(context, run, step, attempt: 1);
        int attempt = 1;
        for (; attempt < policy.MaxAttempts && !outcome.Succeeded && outcome.Error!.Retryable; attempt++)
        {

            run.Publish(context, new RunStatus
            {
                Workflow = run.Definition.Name, Version = run.Definition.Version, State = RunStates.Retrying,
                CurrentStep = step.Id, StepKind = step.Kind, Attempt = attempt + 1,
                Failure = new RunFailure(step.Id, outcome.Error.Reason, outcome.Error.Message),
            });
            await context.CreateTimer(policy.DelayBeforeAttempt(attempt + 1), CancellationToken.None);
            outcome = await CallStepActivityAsync(context, run, step, attempt + 1);
        }

        var record = new StepRecord
        {
            StepId = step.Id,
            Kind = step.Kind,
            Status = outcome.Succeeded ? StepStatuses.Succeeded : StepStatuses.Failed,
            StartedAt = startedAt,
            CompletedAt = context.CurrentUtcDateTime,
            Attempts = attempt,
            Model = outcome.Model,
            Tokens = outcome.Tokens,
            ActivityMilliseconds = outcome.DurationMilliseconds,
            Error = outcome.Error,
        };

        var entry = new JsonObject { ["attempts"] = attempt };
        if (outcome.Status is int status)
        {
            entry["status"] = status;
        }

        if (outcome.Model is not null)
        {
            entry["model"] = outcome.Model;
        }

        if (outcome.Succeeded)
        {
            entry["output"] = outcome.Output?.DeepClone();
            run.SetStep(step.Id, entry);
            run.Timeline.Add(record);
            return run.Definition.NextAfter(step);
        }

        StepError error = outcome.Error!;
        entry["error"] = new JsonObject { ["reason"] = error.Reason, ["message"] = error.Message };
        run.SetStep(step.Id, entry);
        if (step.OnFailure?.Goto is string target)
        {
            run.Timeline.Add(record with { Next = target });
            return target == StepIds.End ? null : target;
        }

        run.Timeline.Add(record);
        string reason = step.OnFailure?.Fail ?? error.Reason;
        string message = reason == error.Reason ? error.Message : $"{error.Reason}: {error.Message}";
        run.Fail(context, step.Id, reason, message);
        return null;
    }

    static async Task<StepOutcome> CallStepActivityAsync(TaskOrchestrationContext context, RunState run, WorkflowStep step, int attempt)
    {
        var identity = new StepIdentity(context.InstanceId, run.Definition.Name, step.Id, attempt);
        try
        {
            return step switch
            {
                LlmStep llm => await context.CallActivityAsync<StepOutcome>(nameof(LlmStepActivity), new LlmStepRequest(
                    identity,
                    Template.Render(llm.Prompt, run.Data),
                    llm.System is null ? null : Template.Render(llm.System, run.Data),
                    llm.Model, llm.Temperature, llm.MaxTokens, llm.Output, llm.OutputSchema)),
                ToolStep tool => await context.CallActivityAsync<StepOutcome>(nameof(ToolStepActivity), new ToolStepRequest(
                    identity,
                    tool.Connection,
                    tool.Method,
                    Template.Render(tool.Path, run.Data, Uri.EscapeDataString),
                    Template.RenderJson(tool.Body, run.Data),
                    tool.ExpectStatus,
                    tool.TimeoutSeconds)),
                _ => throw new InvalidOperationException($"step kind '{step.Kind}' does not run an activity"),
            };
        }
        catch (TaskFailedException ex)
        {
            // The activity threw instead of reporting a classified error: treat as transient.
            return StepOutcome.Failure(FailureReasons.ActivityError, ex.FailureDetails.ErrorMessage, retryable: true);
        }
    }
}
