using System.Diagnostics;
using System.Text.Json;
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
public sealed partial class LlmStepActivity(IChatClient model, DailyBudget budget, ModelPricing pricing, ILogger<LlmStepActivity> logger)
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

        await budget.SettleAsync(hold, outcome.Model, used, cancellationToken);
        decimal? cost = pricing.CostOfCall(outcome.Model, request.Model, outcome.Tokens);
        ModelTelemetry.RecordCost(step, outcome.Model, cost);

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
        JsonNode? output = json ? ParseJson(reply.Text) : new JsonObject { ["text"] = reply.Text };
        string? problem = output is null ? "the answer was not a JSON object" : OutputSchemaProblems(request.OutputSchema, output);
        if (problem is null && output is not null && request.Rubric is { } rubric)
        {
            try
            {
                (problem, TokenUsage grading) = await GradeAsync(rubric, output, cancellationToken);
                tokens = tokens.Plus(grading);
                spent(tokens);
            }
            catch (ModelCallException ex)
            {
                // The grader is a model call like the first: same classification and Retry-After, and the first
                // call's tokens still count.
                ModelTelemetry.RecordTokens(step, reply.Model, tokens.Prompt, tokens.Completion);
                return Failed(step, ex, tokens, reply.Model, started);
            }
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

    public static string? OutputSchemaProblems(JsonObject? schema, JsonNode output)
    {
        if (schema is null)
        {
            return null;
        }

        var compiled = Json.Schema.JsonSchema.FromText(schema.ToJsonString(), new Json.Schema.BuildOptions { SchemaRegistry = new Json.Schema.SchemaRegistry() });
        var errors = DefinitionLoader.SchemaErrors(compiled, output);
        return errors.Count == 0 ? null : "the JSON does not match the required schema: " + string.Join("; ", errors.Select(e => $"{(e.Pointer.Length == 0 ? "/" : e.Pointer)} {e.Message}"));
    }

    /// <summary>A rule over { "output": ... }, or a second model call that answers { pass, feedback }.</summary>
    async Task<(string? Problem, TokenUsage Tokens)> GradeAsync(Rubric rubric, JsonNode output, CancellationToken cancellationToken)
    {
        if (rubric.Rule is { } rule && !ConditionEvaluator.Evaluate(rule, new JsonObject { ["output"] = output.DeepClone() }))
        {
            return (rubric.Feedback ?? "the answer does not meet the rubric", new TokenUsage(0, 0));
        }

        if (rubric.Prompt is null)
        {
            return (null, new TokenUsage(0, 0));
        }

        List<ChatMessage> grading = ModelCalls.Messages(
            "You grade answers. Reply with JSON only: { \"pass\": true|false, \"feedback\": \"what to fix\" }.",
            $"{rubric.Prompt}\n\nAnswer to grade:\n{output.ToJsonString()}");
        ModelReply verdict = ModelCalls.Reply(
            await model.GetResponseAsync(grading, ModelCalls.Options(rubric.Model, 0, 300, json: true, schema: null), cancellationToken), rubric.Model);
        JsonNode? parsed = ParseJson(verdict.Text);

        // Fail closed: an unreadable verdict does not let an ungraded answer through.
        string? feedback = parsed?["pass"] is JsonValue value && value.TryGetValue(out bool passed)
            ? passed ? null : parsed["feedback"]?.ToString() ?? "the grader rejected the answer"
            : "the grader did not answer { pass, feedback }";
        return (feedback, verdict.Tokens);
    }

    /// <summary>Parses the model's JSON, tolerating the ```json fences chat models like to add.</summary>
    public static JsonNode? ParseJson(string text)
    {
        string trimmed = text.Trim();
        if (trimmed.StartsWith("```", StringComparison.Ordinal))
        {
            int firstLine = trimmed.IndexOf('\n');
            int lastFence = trimmed.LastIndexOf("```", StringComparison.Ordinal);
            trimmed = firstLine > 0 && lastFence > firstLine ? trimmed[(firstLine + 1)..lastFence] : trimmed;
        }

        try
        {
            return JsonNode.Parse(trimmed) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {InstanceId} step {StepId}: model {Model} used {PromptTokens}+{CompletionTokens} tokens in {Milliseconds:F0} ms")]
    partial void LogModelCalled(string instanceId, string stepId, string model, int promptTokens, int completionTokens, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {InstanceId} step {StepId} attempt {Attempt}: model call failed ({Reason}): {Detail}")]
    partial void LogModelFailed(string instanceId, string stepId, int attempt, string reason, string detail);
}
