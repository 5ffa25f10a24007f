using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using StreamCanvas.Activities;
using StreamCanvas.Approvals;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

/// <summary>Part of the interpreter; every method runs inside the orchestrator and obeys its replay rules.</summary>
internal static class ApprovalGate
{
    /// <summary>
    /// Opens an approval gate and waits for its decision, level by level: each level races the decision event
    /// against its durable timer (and reminder timers); the losing timer is cancelled so the run never lingers.
    /// </summary>
    public static async Task<string?> RunAsync(TaskOrchestrationContext context, RunState run, ApprovalStep step)
    {
        int round = run.Timeline.Count(r => r.StepId == step.Id) + 1;
        string gateId = ApprovalEvents.GateId(step.Id, round);
        JsonObject snapshot = ApprovalSnapshot.Capture(step, run.Data);
        string hash = ApprovalSnapshot.Hash(snapshot);
        DateTime openedAt = context.CurrentUtcDateTime;
        var escalations = new JsonArray();
        Task<ApprovalDecision> decisionEvent = context.WaitForExternalEvent<ApprovalDecision>(ApprovalEvents.ForGate(gateId));

        ApprovalDecision? decision = null;
        for (int index = 0; index < step.Escalation.Count && decision is null; index++)
        {
            EscalationLevel level = step.Escalation[index];
            DateTime levelOpened = context.CurrentUtcDateTime;
            DateTime deadline = levelOpened + level.TimeoutSpan;
            run.Publish(context, new RunStatus
            {
                Workflow = run.Definition.Name, Version = run.Definition.Version, State = RunStates.WaitingForApproval,
                CurrentStep = step.Id, StepKind = step.Kind,
                Gate = new OpenGate(gateId, level.Name, index, openedAt, deadline, level.Approvers, hash),
            });
            if (index > 0)
            {
                escalations.Add(new JsonObject { ["level"] = level.Name, ["at"] = levelOpened });
            }

            await NotifyAsync(context, run, step, gateId, index, index == 0 ? NoticeKinds.Opened : NoticeKinds.Escalated, deadline, snapshot, hash);
            decision = await WaitForLevelAsync(context, run, step, gateId, index, levelOpened, deadline, snapshot, hash, decisionEvent);
        }

        DateTime closedAt = context.CurrentUtcDateTime;
        double waited = (closedAt - openedAt).TotalSeconds;
        run.ApprovalWaitSeconds += waited;
        string outcome = decision?.Decision ?? step.OnTimeout switch
        {
            TimeoutActions.Approve => Decisions.Approve,
            TimeoutActions.Reject => Decisions.Reject,
            _ => "timed-out",
        };

        var output = new JsonObject
        {
            ["gateId"] = gateId,
            ["decision"] = outcome,
            ["decidedBy"] = decision?.Approver ?? "timeout",
            ["comment"] = decision?.Comment,
            ["level"] = decision is null ? step.Escalation[^1].Name : step.Escalation[decision.Level].Name,
            ["criteria"] = decision is null ? null : JsonSerializerNode(decision.Criteria),
            ["snapshot"] = snapshot,
            ["snapshotHash"] = hash,
            ["openedAt"] = openedAt,
            ["decidedAt"] = closedAt,
            ["waitSeconds"] = waited,
            ["escalations"] = escalations,
        };
        run.SetStep(step.Id, new JsonObject { ["output"] = output, ["attempts"] = round });
        var record = new StepRecord
        {
            StepId = step.Id, Kind = step.Kind, StartedAt = openedAt, CompletedAt = closedAt, Attempts = round,
            Status = outcome == Decisions.Approve ? StepStatuses.Succeeded : StepStatuses.Failed,
        };

        switch (outcome)
        {
            case Decisions.Approve:
                run.Timeline.Add(record);
                return run.Definition.NextAfter(step);
            case Decisions.RequestChanges when step.RequestChanges is { } changes && round < changes.MaxRounds:
                run.Timeline.Add(record with { Status = StepStatuses.Succeeded, Next = changes.Goto });
                return changes.Goto;
            case Decisions.Reject or Decisions.RequestChanges when step.OnReject is not null:
                run.Timeline.Add(record with { Next = step.OnReject });
                return step.OnReject == StepIds.End ? null : step.OnReject;
            case Decisions.Reject or Decisions.RequestChanges:
                string by = decision is null ? "the final escalation level timed out" : $"{decision.Approver}: {decision.Comment}";
                run.Timeline.Add(record with { Error = new StepError(FailureReasons.ApprovalRejected, by, false) });
                run.Fail(context, step.Id, FailureReasons.ApprovalRejected, $"gate {gateId} rejected by {by}");
                return null;
            default:
                string message = $"gate {gateId} had no decision after {step.Escalation.Count} escalation level(s)";
                run.Timeline.Add(record with { Error = new StepError(FailureReasons.ApprovalTimeout, message, false) });
                run.Fail(context, step.Id, FailureReasons.ApprovalTimeout, message);
                return null;
        }
    }

    /// <summary>Waits for the decision until the level's deadline, sending reminders on the way.</summary>
    static async Task<ApprovalDecision?> WaitForLevelAsync(
        TaskOrchestrationContext context, RunState run, ApprovalStep step, string gateId, int index,
        DateTime levelOpened, DateTime deadline, JsonObject snapshot, string hash, Task<ApprovalDecision> decisionEvent)
    {
        EscalationLevel level = step.Escalation[index];
        var wakeUps = level.Reminders.Select(r => levelOpened + Durations.Parse(r)).Where(t => t < deadline).Order().Append(deadline);
        foreach (DateTime wakeUp in wakeUps)
        {
            using var cancelTimer = new CancellationTokenSource();
            Task timer = context.CreateTimer(wakeUp, cancelTimer.Token);
            Task winner = await Task.WhenAny(decisionEvent, timer);
            if (winner == decisionEvent)
            {
                // Cancel the losing timer, or the run would stay Running until it fires.
                cancelTimer.Cancel();
                ApprovalDecision decision = decisionEvent.Result;
                return decision with { Level = index };
            }

            if (wakeUp < deadline)
            {
                await NotifyAsync(context, run, step, gateId, index, NoticeKinds.Reminder, deadline, snapshot, hash);
            }
        }

        return null;
    }

    static Task<bool> NotifyAsync(TaskOrchestrationContext context, RunState run, ApprovalStep step, string gateId, int index, string kind, DateTime deadline, JsonObject snapshot, string hash)
    {
        EscalationLevel level = step.Escalation[index];
        var notice = new ApprovalNotice(
            new StepIdentity(context.InstanceId, run.Definition.Name, step.Id, 1),
            gateId, kind, index, level.Name, level.Approvers, level.Group, level.Notify, deadline, snapshot, hash, step.Criteria);
        return context.CallActivityAsync<bool>(nameof(NotifyApproversActivity), notice);
    }

    static JsonObject JsonSerializerNode(IReadOnlyDictionary<string, bool> criteria)
    {
        var node = new JsonObject();
        foreach ((string name, bool met) in criteria)
        {
            node[name] = met;
        }

        return node;
    }
}
