using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace StreamCanvas.Telemetry;

/// <summary>
/// A queue start continues its producer's trace when the message carries W3C "traceparent" (and "tracestate"),
/// as an HTTP start continues its caller's: queue messages have no headers, so the context rides in the body.
/// </summary>
public static class QueueStartTrace
{
    public const string SpanName = "workflow-starts process";
    public const string TraceParentField = "traceparent";
    public const string TraceStateField = "tracestate";

    public static Activity? Start(string messageText, string messageId)
    {
        ActivityContext parent = default;
        try
        {
            if (JsonNode.Parse(messageText) is JsonObject body && body[TraceParentField] is JsonValue traceParent &&
                traceParent.TryGetValue(out string? text))
            {
                ActivityContext.TryParse(text, body[TraceStateField]?.ToString(), isRemote: true, out parent);
            }
        }
        catch (JsonException)
        {
            // A malformed message is poisoned by the handler; it still gets a span of its own.
        }

        return StreamCanvasTelemetry.Source.StartActivity(SpanName, ActivityKind.Consumer, parent,
            [new("messaging.operation.type", "process"), new("messaging.message.id", messageId)]);
    }
}
