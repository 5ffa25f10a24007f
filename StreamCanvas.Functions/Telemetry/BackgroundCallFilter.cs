using System.Diagnostics;
using OpenTelemetry;

namespace StreamCanvas.Telemetry;

/// <summary>
/// Drops outgoing calls that belong to no trace: the Durable Task provider polls its queues and tables all the
/// time, and each poll would otherwise be a trace of its own. Calls made while a run, request or step is traced
/// have a parent and are kept. A processor rather than a sampler, so the Azure Monitor exporter's sampler stays.
/// </summary>
public sealed class BackgroundCallFilter : BaseProcessor<Activity>
{
    public override void OnStart(Activity data)
    {
        if (data.Kind == ActivityKind.Client && data.ParentSpanId == default)
        {
            data.IsAllDataRequested = false;
            data.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
        }
    }

    /// <summary>The worker's gRPC calls to the in-process sidecar are plumbing, not dependencies of a run.</summary>
    public static bool IsGrpc(string? contentType) =>
        contentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;
}
