using System.IO.Hashing;
using System.Text;
using System.Text.Json.Nodes;

namespace StreamCanvas.Activities.Models;

/// <summary>
/// The built-in model used when none is configured: no keys, no network, the same answer for the same prompt.
/// Every text it writes starts with "[offline]" and it reports its model as "offline", so nobody mistakes its
/// output for a real model's.
/// </summary>
public sealed class OfflineChatModel : IChatModel
{
    public const string ModelName = "offline";
    public const string Marker = "[offline]";

    public Task<ChatReply> CompleteAsync(ChatCall call, CancellationToken cancellationToken)
    {
        string text = call.JsonOutput
            ? Synthesize(call.OutputSchema, call.Prompt, "result").ToJsonString()
            : $"{Marker} Deterministic response to: {Summarize(call.Prompt, 240)}";
        int promptTokens = EstimateTokens((call.System ?? string.Empty) + call.Prompt);
        int completionTokens = EstimateTokens(text);
        if (call.MaxTokens is int max && completionTokens > max && !call.JsonOutput)
        {
            text = text[..Math.Min(text.Length, max * 4)];
            completionTokens = max;
        }

        return Task.FromResult(new ChatReply(text, ModelName, promptTokens, completionTokens, "stop"));
    }

    /// <summary>Fills a JSON Schema deterministically: enums pick by a hash of the prompt, numbers take their maximum.</summary>
    static JsonNode Synthesize(JsonObject? schema, string prompt, string name)
    {
        if (schema is null)
        {
            return new JsonObject { ["text"] = $"{Marker} {Summarize(prompt, 200)}" };
        }

        if (schema["enum"] is JsonArray choices && choices.Count > 0)
        {
            return choices[(int)(Hash(prompt + name) % (ulong)choices.Count)]!.DeepClone();
        }

        string type = schema["type"]?.GetValue<string>() ?? (schema["properties"] is not null ? "object" : "string");
        switch (type)
        {
            case "object":
                var obj = new JsonObject();
                foreach ((string property, JsonNode? propertySchema) in schema["properties"] as JsonObject ?? [])
                {
                    obj[property] = Synthesize(propertySchema as JsonObject, prompt, property);
                }

                return obj;
            case "array":
                return new JsonArray(Synthesize(schema["items"] as JsonObject, prompt, name + "[0]"));
            case "integer":
            case "number":
                double value = schema["maximum"]?.GetValue<double>() ?? schema["minimum"]?.GetValue<double>() ?? 1;
                return type == "integer" ? JsonValue.Create((long)value) : JsonValue.Create(value);
            case "boolean":
                return JsonValue.Create(true);
            default:
                string text = $"{Marker} {name}: {Summarize(prompt, 160)}";
                int maxLength = schema["maxLength"]?.GetValue<int>() ?? int.MaxValue;
                return JsonValue.Create(text.Length > maxLength ? text[..maxLength] : text);
        }
    }

    static string Summarize(string prompt, int length)
    {
        string flat = string.Join(' ', prompt.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= length ? flat : flat[..length] + "…";
    }

    static ulong Hash(string text) => XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(text));

    /// <summary>Roughly four characters a token, as the OpenAI tokenizers average for English.</summary>
    static int EstimateTokens(string text) => TokenEstimate.ForText(text);
}
