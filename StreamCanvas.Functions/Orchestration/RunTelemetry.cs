using System.Diagnostics;
using Microsoft.DurableTask;
using StreamCanvas.Definitions;
using StreamCanvas.Telemetry;

namespace StreamCanvas.Orchestration;

/// <summary>
/// The interpreter's spans and metrics. Everything is derived from the timeline, which replay rebuilds
/// identically, and recorded only while <see cref="TaskOrchestrationContext.IsReplaying"/> is false, so each
/// step, gate and run is counted once however often the orchestrator replays.
/// </summary>
public sealed class RunTelemetry(TaskOrchestrationContext context, string workflow)
{
    public const string ApprovalSpanName = "approval";
    public const string BranchSpanName = "branch";
    public const string MapItemSpanName = "map.item";

    readonly DateTime startedAt = context.CurrentUtcDateTime;
    int reported;

    public void Started()
    {
        if (!context.IsReplaying)
        {
            RunMetrics.RunsStarted.Add(1, Tag(TelemetryTags.Workflow, workflow));
        }
    }

    /// <summary>Reports the timeline entries added since the last call (a step can add one, or none while it loops back).</summary>
    public void StepsFinished(IReadOnlyList<StepRecord> timeline)
    {
        for (; reported < timeline.Count; reported++)
        {
            if (!context.IsReplaying)
            {
                Report(timeline[reported]);
            }
        }
    }

    /// <summary>Counted as the gate moves up its chain, so a dashboard sees an escalation before anyone decides.</summary>
    public void Escalated(string gate, string level)
    {
        if (!context.IsReplaying)
        {
            RunMetrics.Escalations.Add(1, Tag(TelemetryTags.Workflow, workflow), Tag(TelemetryTags.Gate, gate), Tag(TelemetryTags.Level, level));
        }
    }

    /// <summary>
    /// Counted when a gate's last level runs out with no decision, whatever its onTimeout does (approve, reject or
    /// fail), so an owner's alert sees every timeout and not only those that fail the run.
    /// </summary>
    public void ApprovalTimedOut(string gate, string level, string action)
    {
        if (!context.IsReplaying)
        {
            RunMetrics.ApprovalTimeouts.Add(1, Tag(TelemetryTags.Workflow, workflow), Tag(TelemetryTags.Gate, gate), Tag(TelemetryTags.Level, level), Tag(TelemetryTags.Outcome, action));
        }
    }

    public void Completed(string outcome)
    {
        if (context.IsReplaying)
        {
            return;
        }

        RunMetrics.RunsCompleted.Add(1, Tag(TelemetryTags.Workflow, workflow), Tag(TelemetryTags.Outcome, outcome));
        RunMetrics.RunDuration.Record(Elapsed(), Tag(TelemetryTags.Workflow, workflow), Tag(TelemetryTags.Outcome, outcome));
        if (outcome == RunOutcomes.FailedCriteria)
        {
            RunMetrics.Failures.Add(1, Tag(TelemetryTags.Workflow, workflow), Tag(TelemetryTags.Step, "definitionOfDone"), Tag(TelemetryTags.ReasonClass, FailureClasses.CriteriaNotMet));
        }
    }

    public void Failed(WorkflowFailedException failure)
    {
        if (context.IsReplaying)
        {
            return;
        }

        string reasonClass = FailureClasses.Of(failure.Reason);
        RunMetrics.RunsFailed.Add(1, Tag(TelemetryTags.Workflow, workflow), Tag(TelemetryTags.Step, failure.StepId), Tag(TelemetryTags.ReasonClass, reasonClass));
        RunMetrics.RunDuration.Record(Elapsed(), Tag(TelemetryTags.Workflow, workflow), Tag(TelemetryTags.Outcome, RunStates.Failed));
    }

    void Report(StepRecord step)
    {
        var workflowTag = Tag(TelemetryTags.Workflow, workflow);
        var stepTag = Tag(TelemetryTags.Step, step.StepId);
        if (step.DurationMilliseconds is double milliseconds)
        {
            RunMetrics.StepDuration.Record(milliseconds / 1000, workflowTag, stepTag, Tag(TelemetryTags.StepKind, step.Kind), Tag(TelemetryTags.Status, step.Status));
        }

        if (step.Status == StepStatuses.Failed)
        {
            string reason = step.Error?.Reason ?? (step.Approval is not null ? FailureReasons.ApprovalRejected : FailureClasses.Other);
            RunMetrics.Failures.Add(1, workflowTag, stepTag, Tag(TelemetryTags.ReasonClass, FailureClasses.Of(reason)), Tag(TelemetryTags.Reason, reason));
        }

        if (step.Approval is { } approval)
        {
            ReportApproval(step, approval);
        }

        foreach (BranchRecord branch in step.Branches ?? [])
        {
            ReportBranch(step, branch);
        }
    }

    /// <summary>
    /// Emitted once as the item ends (not while replaying, as every span here), with its recorded times, as a child of
    /// the orchestration running it: the run's own, or its chunk's (a sub-orchestration of the same trace).
    /// Bounded cost for a 10,000-item map: the span is ended and handed to the exporter at once and nothing here
    /// keeps it or the item's timeline (the map keeps only each item's result, as before); the status still carries
    /// counts only. What remains is one span per item for the exporter, whose batch queue bounds the memory (it drops
    /// past its size rather than grow), and for the backend, where sampling bounds the cost. The item's steps are
    /// metrics, not spans: histograms aggregate by workflow, step id and status, so they cost the same for any count.
    /// </summary>
    public void ItemFinished(string mapStepId, int index, MapItemResult item, IReadOnlyList<StepRecord> itemSteps)
    {
        if (context.IsReplaying)
        {
            return;
        }

        foreach (StepRecord step in itemSteps)
        {
            Report(step);
        }

        string status = item.Succeeded ? StepStatuses.Succeeded : StepStatuses.Failed;
        using Activity? span = StreamCanvasTelemetry.Source.StartActivity(
            MapItemSpanName, ActivityKind.Internal, parentContext: default,
            tags: [Tag(TelemetryTags.Workflow, workflow), Tag(TelemetryTags.Step, mapStepId), Tag(TelemetryTags.MapItem, index), Tag(TelemetryTags.Status, status), Tag(TelemetryTags.InstanceId, context.InstanceId)],
            startTime: new DateTimeOffset(DateTime.SpecifyKind(item.StartedAt, DateTimeKind.Utc)));
        span?.SetEndTime(DateTime.SpecifyKind(item.CompletedAt, DateTimeKind.Utc));
        if (!item.Succeeded)
        {
            span?.SetTag(TelemetryTags.Reason, item.Error?.Reason);
            span?.SetStatus(ActivityStatusCode.Error, item.Error?.Reason);
        }
    }

    /// <summary>
    /// Each branch of a parallel step is a span of the run's trace with its recorded times, emitted when the join is
    /// decided (map items: <see cref="ItemFinished"/>).
    /// </summary>
    void ReportBranch(StepRecord step, BranchRecord branch)
    {
        using Activity? span = StreamCanvasTelemetry.Source.StartActivity(
            BranchSpanName, ActivityKind.Internal, parentContext: default,
            tags: [Tag(TelemetryTags.Workflow, workflow), Tag(TelemetryTags.Step, step.StepId), Tag(TelemetryTags.Branch, branch.Name), Tag(TelemetryTags.Status, branch.Status), Tag(TelemetryTags.InstanceId, context.InstanceId)],
            startTime: new DateTimeOffset(DateTime.SpecifyKind(branch.StartedAt, DateTimeKind.Utc)));
        span?.SetEndTime(DateTime.SpecifyKind(branch.CompletedAt ?? step.CompletedAt ?? branch.StartedAt, DateTimeKind.Utc));
        if (branch.Status == StepStatuses.Failed)
        {
            span?.SetStatus(ActivityStatusCode.Error, branch.Error?.Reason);
        }
    }

    /// <summary>The wait is one span from opened to decided, emitted once the decision is known, with the recorded times.</summary>
    void ReportApproval(StepRecord step, ApprovalRecord approval)
    {
        var workflowTag = Tag(TelemetryTags.Workflow, workflow);
        var gateTag = Tag(TelemetryTags.Gate, step.StepId);
        var levelTag = Tag(TelemetryTags.Level, approval.Level);
        var outcomeTag = Tag(TelemetryTags.Outcome, approval.Decision);
        RunMetrics.ApprovalLatency.Record(approval.LatencySeconds, workflowTag, gateTag, levelTag, outcomeTag);

        using Activity? span = StreamCanvasTelemetry.Source.StartActivity(
            ApprovalSpanName, ActivityKind.Internal, parentContext: default,
            tags: [workflowTag, gateTag, levelTag, outcomeTag, Tag(TelemetryTags.InstanceId, context.InstanceId), Tag(TelemetryTags.GateId, approval.GateId)],
            startTime: new DateTimeOffset(DateTime.SpecifyKind(approval.OpenedAt, DateTimeKind.Utc)));
        span?.SetEndTime(DateTime.SpecifyKind(approval.DecidedAt, DateTimeKind.Utc));
        if (step.Status == StepStatuses.Failed)
        {
            span?.SetStatus(ActivityStatusCode.Error, approval.Decision);
        }
    }

    double Elapsed() => (context.CurrentUtcDateTime - startedAt).TotalSeconds;

    static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);
}
