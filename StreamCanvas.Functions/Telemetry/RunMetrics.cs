using System.Diagnostics.Metrics;

namespace StreamCanvas.Telemetry;

/// <summary>The instruments of the <c>StreamCanvas</c> meter; tag names are the dimensions the workbook groups by.</summary>
public static class RunMetrics
{
    public static readonly Counter<long> RunsStarted = StreamCanvasTelemetry.Meter.CreateCounter<long>("streamcanvas.runs.started", "{run}", "Runs started");
    public static readonly Counter<long> RunsCompleted = StreamCanvasTelemetry.Meter.CreateCounter<long>("streamcanvas.runs.completed", "{run}", "Runs that reached the end (tag outcome: succeeded or failed-criteria)");
    public static readonly Counter<long> RunsFailed = StreamCanvasTelemetry.Meter.CreateCounter<long>("streamcanvas.runs.failed", "{run}", "Runs that ended Failed");
    public static readonly Histogram<double> RunDuration = StreamCanvasTelemetry.Meter.CreateHistogram<double>("streamcanvas.run.duration", "s", "Run duration, start to end, approval waits included");
    public static readonly Histogram<double> StepDuration = StreamCanvasTelemetry.Meter.CreateHistogram<double>("streamcanvas.step.duration", "s", "Step duration, retries and backoff included");
    public static readonly Counter<long> Tokens = StreamCanvasTelemetry.Meter.CreateCounter<long>("streamcanvas.tokens", "{token}", "Model tokens (tag direction: input or output)");
    public static readonly Counter<double> Cost = StreamCanvasTelemetry.Meter.CreateCounter<double>("streamcanvas.cost", "{currency}", "Model cost at the configured prices (Model:Pricing), by workflow, step and model");
    public static readonly Histogram<double> ApprovalLatency = StreamCanvasTelemetry.Meter.CreateHistogram<double>("streamcanvas.approval.latency", "s", "Gate opened to decided");
    public static readonly Counter<long> ApprovalTimeouts = StreamCanvasTelemetry.Meter.CreateCounter<long>("streamcanvas.approval.timeouts", "{gate}", "Gates whose last level ran out with no decision (tag outcome: the onTimeout action applied)");
    public static readonly Counter<long> Escalations = StreamCanvasTelemetry.Meter.CreateCounter<long>("streamcanvas.approval.escalations", "{escalation}", "Gates that moved to a further level");
    public static readonly Counter<long> Failures = StreamCanvasTelemetry.Meter.CreateCounter<long>("streamcanvas.failures", "{failure}", "Failed steps and unmet definitions of done, by reason class");
}

/// <summary>Tag names shared by spans and metrics.</summary>
public static class TelemetryTags
{
    public const string Workflow = "streamcanvas.workflow";
    public const string Step = "streamcanvas.step";
    public const string StepKind = "streamcanvas.step.kind";
    public const string Status = "streamcanvas.status";
    public const string Outcome = "streamcanvas.outcome";
    public const string Reason = "streamcanvas.failure.reason";
    public const string ReasonClass = "streamcanvas.failure.class";
    public const string Gate = "streamcanvas.approval.gate";
    public const string Level = "streamcanvas.approval.level";
    public const string GateId = "streamcanvas.approval.gate_id";
    public const string Branch = "streamcanvas.branch";
    /// <summary>A map item's index in the map's items (spans only: as a metric tag it would be one series per item).</summary>
    public const string MapItem = "streamcanvas.map.item";

    /// <summary>A scheduled start's occurrence (UTC, round-trip format) and how it ended (started, already-started, paused, rejected).</summary>
    public const string ScheduleOccurrence = "streamcanvas.schedule.occurrence";
    public const string ScheduleOutcome = "streamcanvas.schedule.outcome";

    /// <summary>The model that answered (a deployment may name a newer version than the one requested).</summary>
    public const string Model = "gen_ai.response.model";
    public const string Direction = "gen_ai.token.type";
    public const string InstanceId = "durabletask.task.instance_id";
}
