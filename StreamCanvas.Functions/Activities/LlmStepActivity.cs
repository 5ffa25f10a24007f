using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using StreamCanvas.Activities.Models;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;

namespace StreamCanvas.Activities;

/// <summary>Runs an llm step: one model call, its usage and latency recorded, its output parsed.</summary>
public sealed partial class LlmStepActivity(IChatModel model, ILogger<LlmStepActivity> logger)
{
    public async Task<StepOutcome> RunAsync(LlmStepRequest request, CancellationToken cancellationToken)
    {
        bool json = request.Output == LlmOutputFormats.Json;
        var call = new ChatCall(request.System, request.Prompt, request.Model, request.Temperature, request.MaxTokens, json, request.OutputSchema);
        long started = Stopwatch.GetTimestamp();
        ChatReply reply;
        try
        {
            reply = await model.CompleteAsync(call, cancellationToken);
        }
        catch (ModelCallException ex)
        {
            LogModelFailed(request.Step.InstanceId, request.Step.StepId, request.Step.Attempt, ex.Reason, ex.Message);
            return StepOutcome.Failure(ex.Reason, $"step '{request.Step.StepId}': {ex.Message}", ex.Retryable)
                with { DurationMilliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds };
        }

        double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var tokens = new TokenUsage(reply.PromptTokens, reply.CompletionTokens);
        LogModelCalled(request.Step.InstanceId, request.Step.StepId, reply.Model, tokens.Prompt, tokens.Completion, elapsed);

        JsonNode? output = json ? ParseJson(reply.Text) : new JsonObject { ["text"] = reply.Text };
        if (output is null)
        {
            return StepOutcome.Failure(FailureReasons.OutputInvalid, $"step '{request.Step.StepId}': the model did not return a JSON object", retryable: true)
                with { Model = reply.Model, Tokens = tokens, DurationMilliseconds = elapsed };
        }

        return new StepOutcome { Output = output, Model = reply.Model, Tokens = tokens, DurationMilliseconds = elapsed };
    }

    /// <summary>Parses the model's JSON, tolerating the ```json fences chat models like to add.</summary>
    static JsonNode? ParseJson(string text)
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
