using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace StreamCanvas.Telemetry;

/// <summary>
/// The product's one ActivitySource and one Meter. Static because the interpreter's helpers are static and
/// replay-bound; exporters subscribe by <see cref="Name"/>, so nothing is recorded unless a host listens.
/// </summary>
public static class StreamCanvasTelemetry
{
    public const string Name = "StreamCanvas";

    /// <summary>Durable Task's own spans (create_orchestration, orchestration:*, activity:*, timer) come from this source.</summary>
    public const string DurableTaskSource = "Microsoft.DurableTask";

    /// <summary>
    /// The source and meter of the model calls: Microsoft.Extensions.AI's OpenTelemetry chat client emits the GenAI
    /// semantic conventions (<c>chat {model}</c> spans, <c>gen_ai.client.token.usage</c> and
    /// <c>gen_ai.client.operation.duration</c>) under this name.
    /// </summary>
    public const string GenAIName = "StreamCanvas.GenAI";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);
}
