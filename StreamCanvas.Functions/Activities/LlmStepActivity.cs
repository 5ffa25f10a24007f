using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using StreamCanvas.Activities.Models;
using StreamCanvas.Definitions;
using StreamCanvas.Storage;
using StreamCanvas.Telemetry;

namespace StreamCanvas.Activities;

/// <summary>
/// Runs an llm step: checks the workflow's daily token budget, calls the model, records usage and latency,
/// parses the output and validates it (schema, rubric) so a bad answer comes back with feedback to fix.
/// </summary>
public sealed partial class LlmStepActivity(IChatClient model, ITokenLedger ledger, ModelPricing pricing, TimeProvider clock, ILogger<LlmStepActivity> logger)
    : IDurableActivity<LlmStepRequest, StepOutcome>
{
    public async Task<StepOutcome> RunAsync(LlmStepRequest request, CancellationToken cancellationToken)
    {
        StepIdentity step = request.Step;
        bool json = request.Output == LlmOutputFormats.Json;
        string prompt = request.Feedback is null
            ? request.Prompt
            : $"{request.Prompt}\n\nYour previous answer was rejected: {request.Feedback}\nAnswer again and fix that.";
        int estimate = TokenEstimate.ForCall(request.System, prompt, request.MaxTokens);
        DateOnly day = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        TokenReservation? reservation = null;
        if (request.DailyTokenBudget is int dailyLimit)
        {
            reservation = await ledger.TryReserveAsync(step.Workflow, day, estimate, dailyLimit, cancellationToken);
            if (reservation is null)
            {
                return StepOutcome.Failure(FailureReasons.BudgetExceeded,
                    $"step '{step.StepId}': the workflow's daily budget of {dailyLimit} tokens would be exceeded (this call may use {estimate})", retryable: false)
                    with { DailyBudgetUsed = 1 };
            }
        }

        // Whatever happens from here (an answer, a classified failure, an exception this code did not expect), the
        // reservation is replaced by what was really used, so a failed attempt does not hold budget all day. If the
        // process dies first, the reservation expires on its own (TableTokenLedger).
        TokenUsage used = new(0, 0);
        StepOutcome outcome;
        try
        {
            outcome = await CallAndGradeAsync(request, prompt, json, tokens => used = tokens, cancellationToken);
        }
        catch (Exception) when (reservation is not null)
        {
            await SettleAfterFailureAsync(step, reservation, used.Total);
            throw;
        }

        if (reservation is not null)
        {
            await ledger.SettleAsync(reservation, used.Total, cancellationToken);
        }

        decimal? cost = pricing.Cost(outcome.Model, outcome.Tokens);
        if (cost is decimal priced && outcome.Model is not null)
        {
            RunMetrics.Cost.Add((double)priced, [new(TelemetryTags.Workflow, step.Workflow), new(TelemetryTags.Step, step.StepId), new(TelemetryTags.Model, outcome.Model)]);
        }

        return outcome with { Cost = cost, DailyBudgetUsed = await DailyShareAsync(request, day, cancellationToken) };
    }

    /// <summary>How much of the daily budget is gone once this call settled (live reservations included), so the orchestrator can alert the owner.</summary>
    async Task<double?> DailyShareAsync(LlmStepRequest request, DateOnly day, CancellationToken cancellationToken)
    {
        if (request.DailyTokenBudget is not int limit || limit <= 0)
        {
            return null;
        }

        long used = await ledger.UsedAsync(request.Step.Workflow, day, cancellationToken);
        return Math.Round((double)used / limit, 4);
    }

    /// <summary>Settles after an unexpected exception without hiding it: a settlement that fails too leaves the reservation to expire.</summary>
    async Task SettleAfterFailureAsync(StepIdentity step, TokenReservation reservation, int used)
    {
        try
        {
            await ledger.SettleAsync(reservation, used, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogSettleFailed(ex, step.InstanceId, step.StepId, reservation.Tokens);
        }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {InstanceId} step {StepId}: could not settle its reservation of {Tokens} tokens; it expires on its own")]
    partial void LogSettleFailed(Exception exception, string instanceId, string stepId, int tokens);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {InstanceId} step {StepId} attempt {Attempt}: model call failed ({Reason}): {Detail}")]
    partial void LogModelFailed(string instanceId, string stepId, int attempt, string reason, string detail);
}
