using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace StreamCanvas.Activities.Models;

/// <summary>
/// The built-in model used when none is configured: no keys, no network, the same answer for the same
/// conversation. Every text it writes starts with "[offline]" and it reports its model as "offline", so nobody
/// mistakes its output for a real model's.
/// <para>
/// Offered tools (an agent step's turn), it calls them deterministically: each tool once, one a turn, in the order
/// offered; a string, number or boolean argument takes the value of the same-named field last seen in the
/// conversation (the task's JSON, earlier tool results), else the schema's default, first enum value or a
/// synthesized value. When every tool has been called it answers (text, or JSON for the output schema).
/// </para>
/// </summary>
public sealed partial class OfflineChatClient(string? defaultModelId = null) : IChatClient
{
    public const string ModelName = "offline";
    public const string Marker = "[offline]";

    readonly ChatClientMetadata metadata = new(ModelTelemetry.ProviderOf(ModelProviders.Offline), null, defaultModelId ?? ModelName);

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        IList<ChatMessage> conversation = messages as IList<ChatMessage> ?? [.. messages];
        string prompt = conversation.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        JsonObject? schema = (options?.ResponseFormat as ChatResponseFormatJson)?.Schema is JsonElement element ? JsonNode.Parse(element.GetRawText()) as JsonObject : null;
        bool json = options?.ResponseFormat is ChatResponseFormatJson;

        if (options?.Tools is { Count: > 0 } tools && NextToolCall(conversation, tools) is { } call)
        {
            var turn = new ChatMessage(ChatRole.Assistant, [call]);
            return Task.FromResult(Response(turn, ChatFinishReason.ToolCalls, TokenEstimate.ForMessages(conversation), TokenEstimate.ForMessages([turn])));
        }

        string context = options?.Tools is { Count: > 0 } ? Transcript(conversation) : prompt;
        string text = json
            ? Synthesize(schema, context, "result").ToJsonString()
            : $"{Marker} Deterministic response to: {Summarize(context, 240)}";
        int promptTokens = TokenEstimate.ForText(string.Concat(conversation.Select(m => m.Text)));
        int completionTokens = TokenEstimate.ForText(text);
        if (options?.MaxOutputTokens is int max && completionTokens > max && !json)
        {
            text = text[..Math.Min(text.Length, max * 4)];
            completionTokens = max;
        }

        return Task.FromResult(Response(new ChatMessage(ChatRole.Assistant, text), ChatFinishReason.Stop, promptTokens, completionTokens));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ChatResponse response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (ChatResponseUpdate update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata) ? metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }

    static ChatResponse Response(ChatMessage message, ChatFinishReason finish, int input, int output) => new(message)
    {
        ModelId = ModelName,
        FinishReason = finish,
        Usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output },
    };

    /// <summary>The first offered tool the conversation has not called yet, with its arguments filled in.</summary>
    static FunctionCallContent? NextToolCall(IList<ChatMessage> conversation, IList<AITool> tools)
    {
        var called = conversation.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        AIFunctionDeclaration? next = tools.OfType<AIFunctionDeclaration>().FirstOrDefault(t => !called.Contains(t.Name));
        if (next is null)
        {
            return null;
        }

        Dictionary<string, string> known = KnownValues(conversation);
        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        JsonObject? schema = JsonNode.Parse(next.JsonSchema.GetRawText()) as JsonObject;
        foreach ((string name, JsonNode? property) in schema?["properties"] as JsonObject ?? [])
        {
            arguments[name] = Argument(name, property as JsonObject, known, Transcript(conversation));
        }

        int turn = conversation.Count(m => m.Role == ChatRole.Assistant) + 1;
        return new FunctionCallContent($"call_{turn}_{next.Name}", next.Name, arguments);
    }

    static JsonNode? Argument(string name, JsonObject? schema, Dictionary<string, string> known, string context)
    {
        string type = schema?["type"]?.GetValue<string>() ?? "string";
        if (known.TryGetValue(name, out string? seen))
        {
            switch (type)
            {
                case "integer" when long.TryParse(seen, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long whole):
                    return JsonValue.Create(whole);
                case "number" when double.TryParse(seen, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double number):
                    return JsonValue.Create(number);
                case "boolean" when bool.TryParse(seen, out bool flag):
                    return JsonValue.Create(flag);
                case "string":
                    return JsonValue.Create(seen);
                default:
                    break;
            }
        }

        return schema?["default"]?.DeepClone() ?? (schema?["enum"] is JsonArray { Count: > 0 } choices ? choices[0]!.DeepClone() : Synthesize(schema, context, name));
    }

    /// <summary>Every "name": scalar pair in the conversation's text and tool results, the last one seen winning.</summary>
    static Dictionary<string, string> KnownValues(IList<ChatMessage> conversation)
    {
        var known = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string text in conversation.SelectMany(m => m.Contents).Select(ContentText))
        {
            foreach (Match pair in JsonPair().Matches(text))
            {
                known[pair.Groups["name"].Value] = pair.Groups["text"].Success ? Regex.Unescape(pair.Groups["text"].Value) : pair.Groups["scalar"].Value;
            }
        }

        return known;
    }

    static string ContentText(AIContent content) => content switch
    {
        TextContent text => text.Text,
        FunctionResultContent result => result.Result switch
        {
            null => string.Empty,
            string s => s,
            JsonElement e => e.GetRawText(),
            JsonNode n => n.ToJsonString(),
            object other => JsonSerializer.Serialize(other, AIJsonUtilities.DefaultOptions),
        },
        _ => string.Empty,
    };

    static string Transcript(IList<ChatMessage> conversation) =>
        string.Join(' ', conversation.Where(m => m.Role != ChatRole.System).SelectMany(m => m.Contents).Select(ContentText).Where(t => t.Length > 0));

    [GeneratedRegex("\"(?<name>[A-Za-z_][A-Za-z0-9_]*)\"\\s*:\\s*(?:\"(?<text>(?:[^\"\\\\]|\\\\.)*)\"|(?<scalar>-?\\d+(?:\\.\\d+)?|true|false))")]
    private static partial Regex JsonPair();

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
}
