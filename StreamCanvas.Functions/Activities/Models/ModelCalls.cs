using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace StreamCanvas.Activities.Models;

/// <summary>What an answered model call comes to for the engine: its text, the model that answered, its tokens.</summary>
public sealed record ModelReply(string Text, string Model, TokenUsage Tokens, string? FinishReason, ChatResponse Response);

/// <summary>How the activities phrase a call to an <see cref="IChatClient"/> and read its answer.</summary>
public static class ModelCalls
{
    public static List<ChatMessage> Messages(string? system, string prompt)
    {
        var messages = new List<ChatMessage>();
        if (system is not null)
        {
            messages.Add(new ChatMessage(ChatRole.System, system));
        }

        messages.Add(new ChatMessage(ChatRole.User, prompt));
        return messages;
    }

    /// <param name="model">The model or deployment; null lets the client use its default.</param>
    public static ChatOptions Options(string? model, double? temperature, int? maxTokens, bool json, JsonObject? schema)
    {
        var options = new ChatOptions
        {
            ModelId = model,
            Temperature = temperature is double t ? (float)t : null,
            MaxOutputTokens = maxTokens,
        };
        if (json)
        {
            options.ResponseFormat = schema is null
                ? ChatResponseFormat.Json
                : ChatResponseFormat.ForJsonSchema(JsonDocument.Parse(schema.ToJsonString()).RootElement.Clone(), "step_output");
        }

        return options;
    }

    /// <summary>The answer's text, model and token counts (estimated ones marked, see <see cref="ModelErrorsChatClient"/>).</summary>
    public static ModelReply Reply(ChatResponse response, string? requestedModel)
    {
        UsageDetails? usage = response.Usage;
        var tokens = new TokenUsage((int)(usage?.InputTokenCount ?? 0), (int)(usage?.OutputTokenCount ?? 0))
        {
            Estimated = ModelErrorsChatClient.UsageEstimated(response),
        };
        return new ModelReply(response.Text, response.ModelId ?? requestedModel ?? "unknown", tokens, response.FinishReason?.Value, response);
    }
}
