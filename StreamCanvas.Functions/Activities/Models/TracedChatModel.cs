using System.Diagnostics;
using StreamCanvas.Telemetry;

namespace StreamCanvas.Activities.Models;

/// <summary>
/// Wraps whichever model backend is configured so every model call (step answers and rubric grading alike) is a
/// span with the OpenTelemetry GenAI attributes. Activities run once per attempt, never on replay.
/// </summary>
public sealed class TracedChatModel(IChatModel inner, string system, string? defaultModel) : IChatModel
{
    public async Task<ChatReply> CompleteAsync(ChatCall call, CancellationToken cancellationToken)
    {
        string? model = call.Model ?? defaultModel;
        using Activity? span = StreamCanvasTelemetry.Source.StartActivity($"{GenAI.Chat} {model}", ActivityKind.Client);
        span?.SetTag(GenAI.OperationName, GenAI.Chat);
        span?.SetTag(GenAI.System, system);
        span?.SetTag(GenAI.RequestModel, model);
        span?.SetTag(GenAI.RequestMaxTokens, call.MaxTokens);
        span?.SetTag(GenAI.RequestTemperature, call.Temperature);
        try
        {
            ChatReply reply = await inner.CompleteAsync(call, cancellationToken);
            span?.SetTag(GenAI.ResponseModel, reply.Model);
            span?.SetTag(GenAI.InputTokens, reply.PromptTokens);
            span?.SetTag(GenAI.OutputTokens, reply.CompletionTokens);
            span?.SetTag(GenAI.FinishReasons, reply.FinishReason is null ? null : new[] { reply.FinishReason });
            return reply;
        }
        catch (ModelCallException ex)
        {
            span?.SetTag("error.type", ex.Reason);
            span?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
    }

    /// <summary>Token counts by workflow, step and model; called by the llm step once per attempt.</summary>
    public static void RecordTokens(StepIdentity step, string model, int input, int output)
    {
        KeyValuePair<string, object?>[] tags = [new(TelemetryTags.Workflow, step.Workflow), new(TelemetryTags.Step, step.StepId), new(TelemetryTags.Model, model)];
        RunMetrics.Tokens.Add(input, [.. tags, new(TelemetryTags.Direction, "input")]);
        RunMetrics.Tokens.Add(output, [.. tags, new(TelemetryTags.Direction, "output")]);
    }

    /// <summary>Names from the OpenTelemetry GenAI semantic conventions.</summary>
    public static class GenAI
    {
        public const string Chat = "chat";
        public const string OperationName = "gen_ai.operation.name";
        public const string System = "gen_ai.system";
        public const string RequestModel = "gen_ai.request.model";
        public const string RequestMaxTokens = "gen_ai.request.max_tokens";
        public const string RequestTemperature = "gen_ai.request.temperature";
        public const string ResponseModel = "gen_ai.response.model";
        public const string InputTokens = "gen_ai.usage.input_tokens";
        public const string OutputTokens = "gen_ai.usage.output_tokens";
        public const string FinishReasons = "gen_ai.response.finish_reasons";

        /// <summary>gen_ai.system for a Model:Provider value.</summary>
        public static string SystemOf(string provider) => provider switch
        {
            ModelProviders.AzureOpenAI => "az.ai.openai",
            ModelProviders.OpenAICompatible => "openai",
            _ => "streamcanvas.offline",
        };
    }
}
