using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Models;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

/// <summary>Part of the interpreter; every method runs inside the orchestrator and obeys its replay rules.</summary>
internal static class ActivitySteps
{
    /// <summary>Runs an llm or tool step under its retry policy, then follows its success or failure route.</summary>
    public static async Task<string?> RunAsync(TaskOrchestrationContext context, RunState run, WorkflowStep step)
    {
        StepRetryPolicy policy = step.Retry ?? StepRetryPolicy.None;
        int? validationAttempts = (step as LlmStep)?.Validation?.MaxAttempts;
        DateTime startedAt = context.CurrentUtcDateTime;
        StepOutcome outcome = await CallStepActivityAsync(context, run, step, attempt: 1, feedback: null, spent: null);
        TokenUsage? spent = outcome.Tokens;
        decimal? costs = outcome.Cost;
        int attempt = 1;
        int transientTries = 1;
        int validationTries = 1;
        string? feedback = null;
        while (!outcome.Succeeded && outcome.Error!.Retryable)
        {
            // The model's quota had no room: wait as asked on a durable timer and call again; that was no attempt.
            // Activities answered this only after the reason existed, so histories recorded before replay unchanged.
            if (outcome.Error.Reason == FailureReasons.ModelQuotaWait)
            {
                await context.CreateTimer(TimeSpan.FromSeconds(Math.Max(1, outcome.Error.RetryAfterSeconds ?? 1)), CancellationToken.None);
                outcome = await CallStepActivityAsync(context, run, step, attempt, feedback, spent);
                spent = Add(spent, outcome.Tokens);
            costs = Add(costs, outcome.Cost);
                continue;
            }

            // A bad answer is retried at once with the validator's feedback; other failures after a durable
            // backoff that honours the service's Retry-After, each within its own limit.
            bool invalidOutput = outcome.Error.Reason == FailureReasons.OutputInvalid && validationAttempts is not null;
            if (invalidOutput ? validationTries >= validationAttempts : transientTries >= policy.MaxAttempts)
            {
                break;
            }

            run.Publish(context, new RunStatus
            {
                Workflow = run.Definition.Name, Version = run.Definition.Version, State = RunStates.Retrying,
                CurrentStep = step.Id, StepKind = step.Kind, Attempt = attempt + 1,
                Failure = new RunFailure(step.Id, outcome.Error.Reason, outcome.Error.Message),
            });
            if (invalidOutput)
            {
                validationTries++;
            }
            else
            {
                transientTries++;
                TimeSpan delay = policy.DelayBeforeAttempt(transientTries);
                TimeSpan asked = TimeSpan.FromSeconds(outcome.Error.RetryAfterSeconds ?? 0);
                await context.CreateTimer(asked > delay ? asked : delay, CancellationToken.None);
            }

            feedback = outcome.Error.Reason == FailureReasons.OutputInvalid ? outcome.Error.Message : null;
            outcome = await CallStepActivityAsync(context, run, step, ++attempt, feedback, spent);
            spent = Add(spent, outcome.Tokens);
            costs = Add(costs, outcome.Cost);
        }

        if (outcome.DailyBudgetUsed is double share && share >= OwnerAlerts.BudgetWarningShare)
        {
            await OwnerAlerts.DailyBudgetAsync(context, run, step.Id, share);
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
            Tokens = spent,
            Cost = costs,
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
            return run.NextAfter(step);
        }

        return StepFailures.Follow(context, run, step, record, entry, outcome.Error!);
    }

    static async Task<StepOutcome> CallStepActivityAsync(TaskOrchestrationContext context, RunState run, WorkflowStep step, int attempt, string? feedback, TokenUsage? spent)
    {
        var identity = new StepIdentity(context.InstanceId, run.Definition.Name, step.Id, attempt) { Item = run.ItemIndex };
        try
        {
            return step switch
            {
                LlmStep llm => await CallLlmAsync(context, run, llm, identity, feedback, spent?.Total ?? 0),
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

    /// <summary>Checks the step and run token budgets before the model is called; over budget, it is not called.</summary>
    static async Task<StepOutcome> CallLlmAsync(TaskOrchestrationContext context, RunState run, LlmStep llm, StepIdentity identity, string? feedback, int spentByEarlierAttempts)
    {
        string prompt = Template.Render(llm.Prompt, run.Data);
        string? system = llm.System is null ? null : Template.Render(llm.System, run.Data);
        int mostTokens = TokenEstimate.ForCall(system, prompt + feedback, llm.MaxTokens);
        if (llm.TokenBudget is int stepBudget && mostTokens > stepBudget)
        {
            return StepOutcome.Failure(FailureReasons.BudgetExceeded, $"step '{llm.Id}' may use {mostTokens} tokens; its budget is {stepBudget}", retryable: false);
        }

        int used = run.Totals().TotalTokens + spentByEarlierAttempts;
        if (run.Definition.Budgets?.RunTokens is int runBudget && used + mostTokens > runBudget)
        {
            return StepOutcome.Failure(FailureReasons.BudgetExceeded, $"step '{llm.Id}' may use {mostTokens} tokens; the run has used {used} of its {runBudget}", retryable: false);
        }

        var request = new LlmStepRequest(identity, prompt, system, llm.Model, llm.Temperature, llm.MaxTokens, llm.Output, llm.OutputSchema)
        {
            Feedback = feedback,
            Rubric = llm.Validation?.Rubric,
            DailyBudget = Activities.Models.DailyBudgetLimits.Of(run.Definition.Budgets),
        };
        return await context.CallActivityAsync<StepOutcome>(nameof(LlmStepActivity), request);
    }

    static decimal? Add(decimal? sum, decimal? cost) => sum is null && cost is null ? null : (sum ?? 0) + (cost ?? 0);

    static TokenUsage? Add(TokenUsage? a, TokenUsage? b) =>
        a is null ? b : b is null ? a : a.Plus(b);
}
