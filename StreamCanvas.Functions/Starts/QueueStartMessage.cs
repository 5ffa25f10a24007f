using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using StreamCanvas.Definitions;

namespace StreamCanvas.Starts;

/// <summary>A message on the start queue: { "workflow", "input", "idempotencyKey", "correlationId" }.</summary>
public sealed record QueueStartMessage(string Workflow, JsonNode? Input, string? IdempotencyKey, string? CorrelationId)
{
    /// <summary>Reads a message, or says which field is wrong with it.</summary>
    public static (QueueStartMessage? Message, FieldError? Problem) Parse(string text)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text);
        }
        catch (JsonException ex)
        {
            return (null, new FieldError(ex.Path ?? "", $"not valid JSON: {ex.Message}"));
        }

        if (node is not JsonObject body)
        {
            return (null, new FieldError("", "the message must be a JSON object"));
        }

        if (body["workflow"] is not JsonValue workflow || workflow.GetValueKind() != JsonValueKind.String || string.IsNullOrWhiteSpace(workflow.GetValue<string>()))
        {
            return (null, new FieldError("/workflow", "required: the name of the workflow to run"));
        }

        (string? key, FieldError? keyProblem) = OptionalString(body, "idempotencyKey");
        (string? correlation, FieldError? correlationProblem) = OptionalString(body, "correlationId");
        if ((keyProblem ?? correlationProblem) is { } problem)
        {
            return (null, problem);
        }

        return (new QueueStartMessage(workflow.GetValue<string>(), body["input"] ?? new JsonObject(), key, correlation), null);
    }

    /// <summary>
    /// The message text as sent. The Functions trigger decodes base64 itself; the standalone reader gets the raw
    /// text, which may be plain JSON or base64 (what most producers, and the Functions convention, send).
    /// </summary>
    public static string DecodeRaw(string raw)
    {
        string trimmed = raw.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            return raw;
        }

        var buffer = new byte[raw.Length];
        return Convert.TryFromBase64String(raw.Trim(), buffer, out int written) ? Encoding.UTF8.GetString(buffer, 0, written) : raw;
    }

    static (string? Value, FieldError? Problem) OptionalString(JsonObject body, string name) => body[name] switch
    {
        null => (null, null),
        JsonValue value when value.GetValueKind() == JsonValueKind.String => (value.GetValue<string>(), null),
        _ => (null, new FieldError($"/{name}", "must be a string")),
    };
}
