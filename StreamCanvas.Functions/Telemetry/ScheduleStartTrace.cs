using System.Diagnostics;
using System.Globalization;

namespace StreamCanvas.Telemetry;

/// <summary>
/// A scheduled start is the root of its run's trace, as a queue start continues its producer's: nobody called, so
/// the span names the schedule's occurrence instead of a caller. Each host's trigger (the Functions timer, the
/// standalone host's durable timer) is tagged, and the start request below it links the run to this span.
/// </summary>
public static class ScheduleStartTrace
{
    public const string SpanName = "schedule start";
    public const string OccurrenceTag = "streamcanvas.schedule.occurrence";
    public const string OutcomeTag = "streamcanvas.schedule.outcome";

    public static Activity? Start(string workflow, DateTimeOffset occurrence) =>
        StreamCanvasTelemetry.Source.StartActivity(SpanName, ActivityKind.Internal, parentContext: default,
            [new(TelemetryTags.Workflow, workflow), new(OccurrenceTag, occurrence.UtcDateTime.ToString("O", CultureInfo.InvariantCulture))]);

    /// <summary>How the occurrence ended: started, already-started, paused or rejected, and the run it named.</summary>
    public static void Finish(Activity? span, string outcome, string? instanceId, bool failed)
    {
        span?.SetTag(OutcomeTag, outcome);
        span?.SetTag(TelemetryTags.InstanceId, instanceId);
        if (failed)
        {
            span?.SetStatus(ActivityStatusCode.Error);
        }
    }
}
