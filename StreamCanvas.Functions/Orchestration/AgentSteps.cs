using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Models;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

/// <summary>
/// Part of the interpreter: an agent step's loop. Each model turn is an <see cref="AgentTurnActivity"/> and each
/// tool call an activity (<see cref="ToolStepActivity"/>, <see cref="Activities.Mcp.CallMcpToolActivity"/>) or a
/// child run (a workflow tool), so a crash resumes after the last finished call and replay never repeats one; the
/// conversation lives in the orchestrator (rebuilt from history on replay), and travels to a turn inline or, when
/// large, stored beside the run. A gated tool call first passes the <see cref="ApprovalGate"/>.
/// </summary>
internal static partial class AgentSteps
{
    /// <summary>A conversation longer than this (as JSON) is stored beside the run rather than sent in the turn's input.</summary>
    public const int MaxInlineConversationChars = 24_000;

    /// <summary>The most of a tool's result the model is given (the rest is cut, and the model told so).</summary>
    public const int MaxResultChars = 16_000;

    /// <summary>How much of a call's arguments the timeline shows.</summary>
    const int MaxTracedArgumentChars = 200;

    /// <summary>Rides out a storage outage of several minutes, as the gate's snapshot store does.</summary>
    static readonly TaskOptions StoreRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(8, TimeSpan.FromSeconds(2), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(2)));

    public static async Task<string?> RunAsync(TaskOrchestrationContext context, RunState run, AgentStep step, RunTelemetry telemetry)
    {
        var loop = new Loop(context, run, step, telemetry);
        return await loop.RunAsync();
    }

    sealed partial class Loop(TaskOrchestrationContext context, RunState run, AgentStep step, RunTelemetry telemetry)
    {
        readonly DateTime startedAt = context.CurrentUtcDateTime;
        readonly List<AgentMessage> conversation =
        [
            new(AgentMessage.System, Template.Render(step.Instructions, run.Data)),
            new(AgentMessage.User, Template.Render(step.Prompt, run.Data)),
        ];

        /// <summary>Which round of this step this is (a goto can run it again): part of its workflow tools' child ids.</summary>
        readonly int round = run.Timeline.Count(r => r.StepId == step.Id) + 1;
        readonly List<AgentTurnRecord> turns = [];
        TokenUsage? spent;
        decimal? cost;
        int calls;
        int attempts;
        double activityMilliseconds;
        string? model;

        public async Task<string?> RunAsync()
        {
            if (await PrepareToolsAsync() is { } unusable)
            {
                return Fail(unusable, 0);
            }

            int validationTries = 1;
            int validationAttempts = step.Validation?.MaxAttempts ?? 1;
            for (int turn = 1; turn <= step.MaxTurns; turn++)
            {
                run.ReportProgress(new StepProgress(step.Id, step.Kind, step.MaxTurns, turn - 1, 1, 0));
                run.ReportAgentTurns(step.Id, turns);
                run.Publish(context, new RunStatus
                {
                    Workflow = run.Definition.Name, Version = run.Definition.Version, State = RunStates.Running,
                    CurrentStep = step.Id, StepKind = step.Kind, Attempt = turn,
                });
                if (OverBudget(turn) is { } budget)
                {
                    return Fail(budget, turn);
                }

                AgentTurnOutcome outcome = await TurnAsync(turn);
                spent = Add(spent, outcome.Tokens);
                cost = outcome.Cost is decimal turnCost ? (cost ?? 0) + turnCost : cost;
                activityMilliseconds += outcome.DurationMilliseconds;
                model = outcome.Model ?? model;
                if (!outcome.Succeeded)
                {
                    turns.Add(new AgentTurnRecord(turn, outcome.Model, outcome.Tokens, outcome.DurationMilliseconds, []) { Error = outcome.Error!.Message });
                    return Fail(outcome.Error!, turn);
                }

                if (outcome.ToolCalls.Count > 0)
                {
                    conversation.Add(new AgentMessage(AgentMessage.Assistant, outcome.Text) { ToolCalls = outcome.ToolCalls });
                    var records = new List<AgentToolCallRecord>();
                    turns.Add(new AgentTurnRecord(turn, outcome.Model, outcome.Tokens, outcome.DurationMilliseconds, records));
                    foreach (AgentToolCall call in outcome.ToolCalls)
                    {
                        (AgentToolCallRecord record, string result, StepError? fatal) = await CallToolAsync(turn, call);
                        records.Add(record);
                        if (fatal is not null)
                        {
                            return Fail(fatal, turn);
                        }

                        conversation.Add(new AgentMessage(AgentMessage.Tool, result) { ToolCallId = call.Id });
                    }

                    continue;
                }

                conversation.Add(new AgentMessage(AgentMessage.Assistant, outcome.Text));
                if (outcome.Problem is { } problem)
                {
                    turns.Add(new AgentTurnRecord(turn, outcome.Model, outcome.Tokens, outcome.DurationMilliseconds, []) { Error = problem });
                    if (validationTries >= validationAttempts)
                    {
                        return Fail(new StepError(FailureReasons.OutputInvalid, $"step '{step.Id}' turn {turn}: {problem}", false), turn, outcome.Output);
                    }

                    validationTries++;
                    conversation.Add(new AgentMessage(AgentMessage.User, $"Your answer was rejected: {problem}\nAnswer again and fix that."));
                    continue;
                }

                turns.Add(new AgentTurnRecord(turn, outcome.Model, outcome.Tokens, outcome.DurationMilliseconds, []));
                return Succeed(outcome.Output, turn);
            }

            string last = string.Join(", ", turns.LastOrDefault()?.ToolCalls.Select(c => c.Tool) ?? []);
            return Fail(new StepError(FailureReasons.MaxTurnsReached,
                $"step '{step.Id}': the model still called tools after {step.MaxTurns} turns (last turn: {last})", false), step.MaxTurns);
        }

        /// <summary>The step's and the run's token budgets, checked before the turn: over budget, the model is not called.</summary>
        StepError? OverBudget(int turn)
        {
            int mostTokens = TokenEstimate.ForMessages(AgentConversation.ToChat(conversation)) + (step.MaxTokens ?? TokenEstimate.DefaultCompletionTokens);
            int used = spent?.Total ?? 0;
            if (step.TokenBudget is int stepBudget && used + mostTokens > stepBudget)
            {
                return new StepError(FailureReasons.BudgetExceeded, $"step '{step.Id}' turn {turn} may use {mostTokens} tokens; the step has used {used} of its {stepBudget}", false);
            }

            int runUsed = run.Totals().TotalTokens + used;
            return run.Definition.Budgets?.RunTokens is int runBudget && runUsed + mostTokens > runBudget
                ? new StepError(FailureReasons.BudgetExceeded, $"step '{step.Id}' turn {turn} may use {mostTokens} tokens; the run has used {runUsed} of its {runBudget}", false)
                : null;
        }

        /// <summary>One model turn under the step's retry policy (durable backoff honouring Retry-After; a quota wait is no attempt).</summary>
        async Task<AgentTurnOutcome> TurnAsync(int turn)
        {
            StepRetryPolicy policy = step.Retry ?? StepRetryPolicy.None;
            int tries = 1;
            AgentTurnOutcome outcome = await CallTurnAsync(turn);
            while (!outcome.Succeeded && outcome.Error!.Retryable)
            {
                TimeSpan asked = TimeSpan.FromSeconds(outcome.Error.RetryAfterSeconds ?? 0);
                if (outcome.Error.Reason != FailureReasons.ModelQuotaWait)
                {
                    if (tries >= policy.MaxAttempts)
                    {
                        break;
                    }

                    tries++;
                    TimeSpan delay = policy.DelayBeforeAttempt(tries);
                    asked = asked > delay ? asked : delay;
                    run.Publish(context, new RunStatus
                    {
                        Workflow = run.Definition.Name, Version = run.Definition.Version, State = RunStates.Retrying,
                        CurrentStep = step.Id, StepKind = step.Kind, Attempt = turn,
                        Failure = new RunFailure(step.Id, outcome.Error.Reason, outcome.Error.Message),
                    });
                }

                await context.CreateTimer(asked > TimeSpan.Zero ? asked : TimeSpan.FromSeconds(1), CancellationToken.None);
                spent = Add(spent, outcome.Tokens);
                cost = outcome.Cost is decimal retriedCost ? (cost ?? 0) + retriedCost : cost;
                outcome = await CallTurnAsync(turn);
            }

            return outcome;
        }

        async Task<AgentTurnOutcome> CallTurnAsync(int turn)
        {
            attempts++;
            var identity = new StepIdentity(context.InstanceId, run.Definition.Name, step.Id, turn);
            var request = new AgentTurnRequest(identity, conversation.ToList(), specs, step.Model, step.Temperature, step.MaxTokens, step.Output, step.OutputSchema)
            {
                Rubric = step.Validation?.Rubric,
                DailyBudget = Activities.Models.DailyBudgetLimits.Of(run.Definition.Budgets),
            };
            JsonArray messages = AgentConversation.ToJson(conversation);
            if (RunStatusBudget.Measure(messages) > MaxInlineConversationChars)
            {
                string key = AgentTurnActivity.ConversationKey(step.Id, attempts);
                try
                {
                    await context.CallActivityAsync<bool>(nameof(StoreApprovalSnapshotActivity),
                        new SnapshotToStore(context.InstanceId, key, new JsonObject { ["messages"] = messages }), StoreRetry);
                }
                catch (TaskFailedException ex)
                {
                    return new AgentTurnOutcome { Error = new StepError(FailureReasons.ActivityError, $"step '{step.Id}' turn {turn}: the conversation could not be stored: {ex.FailureDetails.ErrorMessage}", true) };
                }

                request = request with { Conversation = null, StoredConversation = key };
            }

            try
            {
                return await context.CallActivityAsync<AgentTurnOutcome>(nameof(AgentTurnActivity), request);
            }
            catch (TaskFailedException ex)
            {
                // The activity threw instead of reporting a classified error: treat as transient.
                return new AgentTurnOutcome { Error = new StepError(FailureReasons.ActivityError, $"step '{step.Id}' turn {turn}: {ex.FailureDetails.ErrorMessage}", true) };
            }
        }

        StepRecord Record(string status, int turn, StepError? error) => new()
        {
            StepId = step.Id,
            Kind = step.Kind,
            Status = status,
            StartedAt = startedAt,
            CompletedAt = context.CurrentUtcDateTime,
            Attempts = Math.Max(attempts, turn),
            Model = model,
            Tokens = spent,
            Cost = cost,
            ActivityMilliseconds = activityMilliseconds,
            Error = error,
            Turns = turns,
        };

        JsonObject Entry(JsonNode? output)
        {
            var entry = new JsonObject
            {
                ["attempts"] = attempts,
                ["turns"] = turns.Count,
                ["toolCalls"] = calls,
            };
            if (model is not null)
            {
                entry["model"] = model;
            }

            if (output is not null)
            {
                entry["output"] = output.DeepClone();
            }

            return entry;
        }

        string? Succeed(JsonNode? output, int turn)
        {
            run.EndProgress(step.Id);
            run.EndAgentTurns(step.Id);
            run.SetStep(step.Id, Entry(output));
            run.Timeline.Add(Record(StepStatuses.Succeeded, turn, null));
            return run.NextAfter(step);
        }

        string? Fail(StepError error, int turn, JsonNode? output = null)
        {
            run.EndProgress(step.Id);
            run.EndAgentTurns(step.Id);
            return StepFailures.Follow(context, run, step, Record(StepStatuses.Failed, turn, error), Entry(output), error);
        }
    }

    static string Shorten(string text, int length) => text.Length <= length ? text : text[..length] + "…";

    static TokenUsage? Add(TokenUsage? a, TokenUsage? b) =>
        a is null ? b : b is null ? a : a.Plus(b);
}
