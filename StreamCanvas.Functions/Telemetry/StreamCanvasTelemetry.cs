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

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);
}
