using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using StreamCanvas.Activities.Models;
using StreamCanvas.Definitions;

namespace StreamCanvas.Activities;

/// <summary>
/// Runs an llm step: checks the workflow's daily token budget, calls the model, records usage and latency,
/// parses the output and validates it (schema, rubric) so a bad answer comes back with feedback to fix.
/// </summary>
public sealed partial class LlmStepActivity(IChatClient model, DailyBudget budget, ILogger<LlmStepActivity> logger)
    : IDurableActivity<LlmStepRequest, StepOutcome>
{
    public async Task<StepOutcome> RunAsync(LlmStepRequest request, CancellationToken cancellationToken)
    {
        StepIdentity step = request.Step;
        bool json = request.Output == LlmOutputFormats.Json;
        string prompt = request.Feedback is null
            ? request.Prompt
            : $"{request.Prompt}\n\nYour previous answer was rejected: {request.Feedback}\nAnswer again and fix that.";
        var most = new TokenUsage(TokenEstimate.ForText(request.System) + TokenEstimate.ForText(prompt), request.MaxTokens ?? TokenEstimate.DefaultCompletionTokens);
        DailyBudgetHold hold = await budget.HoldAsync(step, request.DailyBudget, request.Model, most, cancellationToken);
        if (hold.Refusal is { } refusal)
        {
            return StepOutcome.Failure(FailureReasons.BudgetExceeded, $"step '{step.StepId}': {refusal}", retryable: false) with { DailyBudgetUsed = 1 };
        }

        // Whatever happens from here (an answer, a classified failure, an exception this code did not expect), the
        // hold is replaced by what was really used, so a failed attempt does not hold budget all day. If the
        // process dies first, the hold expires on its own (TableTokenLedger).
        TokenUsage used = new(0, 0);
        StepOutcome outcome;
        try
        {
            outcome = await CallAndGradeAsync(request, prompt, json, tokens => used = tokens, cancellationToken);
        }
        catch (Exception)
        {
            await budget.SettleAfterFailureAsync(step, hold, used);
            throw;
        }

        decimal? cost = await budget.SettleAsync(step, hold, outcome.Model, outcome.Tokens, cancellationToken);

        return outcome with { Cost = cost, DailyBudgetUsed = await budget.ShareAsync(hold, cancellationToken) };
    }

    async Task<StepOutcome> CallAndGradeAsync(LlmStepRequest request, string prompt, bool json, Action<TokenUsage> spent, CancellationToken cancellationToken)
    {
        StepIdentity step = request.Step;
        List<ChatMessage> messages = ModelCalls.Messages(request.System, prompt);
        ChatOptions options = ModelCalls.Options(request.Model, request.Temperature, request.MaxTokens, json, request.OutputSchema);
        long started = Stopwatch.GetTimestamp();
        ModelReply reply;
        try
        {
            reply = ModelCalls.Reply(await model.GetResponseAsync(messages, options, cancellationToken), request.Model);
        }
        catch (ModelCallException ex)
        {
            return Failed(step, ex, tokens: null, model: null, started);
        }

        TokenUsage tokens = reply.Tokens;
        spent(tokens);
        LogModelCalled(step.InstanceId, step.StepId, reply.Model, tokens.Prompt, tokens.Completion, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        JsonNode? output;
        string? problem;
        try
        {
            AnswerVerdict verdict = await AnswerValidation.CheckAsync(model, reply.Text, json, request.OutputSchema, request.Rubric, cancellationToken);
            (output, problem) = (verdict.Output, verdict.Problem);
            tokens = tokens.Plus(verdict.GradingTokens);
            spent(tokens);
        }
        catch (ModelCallException ex)
        {
            // The grader is a model call like the first: same classification and Retry-After, and the first
            // call's tokens still count.
            ModelTelemetry.RecordTokens(step, reply.Model, tokens.Prompt, tokens.Completion);
            return Failed(step, ex, tokens, reply.Model, started);
        }

        ModelTelemetry.RecordTokens(step, reply.Model, tokens.Prompt, tokens.Completion);
        double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (problem is not null)
        {
            return StepOutcome.Failure(FailureReasons.OutputInvalid, problem, retryable: true)
                with { Model = reply.Model, Tokens = tokens, DurationMilliseconds = elapsed, Output = output };
        }

        return new StepOutcome { Output = output, Model = reply.Model, Tokens = tokens, DurationMilliseconds = elapsed };
    }

    StepOutcome Failed(StepIdentity step, ModelCallException ex, TokenUsage? tokens, string? model, long started)
    {
        LogModelFailed(step.InstanceId, step.StepId, step.Attempt, ex.Reason, ex.Message);
        return new StepOutcome
        {
            Error = new StepError(ex.Reason, $"step '{step.StepId}': {ex.Message}", ex.Retryable) { RetryAfterSeconds = ex.RetryAfter?.TotalSeconds },
            Tokens = tokens,
            Model = model,
            DurationMilliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {InstanceId} step {StepId}: model {Model} used {PromptTokens}+{CompletionTokens} tokens in {Milliseconds:F0} ms")]
    partial void LogModelCalled(string instanceId, string stepId, string model, int promptTokens, int completionTokens, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {InstanceId} step {StepId} attempt {Attempt}: model call failed ({Reason}): {Detail}")]
    partial void LogModelFailed(string instanceId, string stepId, int attempt, string reason, string detail);
}
