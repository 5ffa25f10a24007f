using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Definitions;
using StreamCanvas.Storage;

namespace StreamCanvas.Orchestration;

/// <summary>Part of the interpreter; every method runs inside the orchestrator and obeys its replay rules.</summary>
internal static class ApprovalGate
{
    /// <summary>A failed chat webhook must not fail the run: retry briefly, then record it and keep waiting.</summary>
    static readonly TaskOptions NotifyRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromSeconds(2), backoffCoefficient: 2));

    /// <summary>Rides out a storage outage of several minutes before the gate gives up.</summary>
    static readonly TaskOptions StoreRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(8, TimeSpan.FromSeconds(2), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(2)));

    /// <summary>
    /// Opens an approval gate and waits for its decision, level by level: each level races the decision event
    /// against its durable timer (and reminder timers); the losing timer is cancelled so the run never lingers.
    /// </summary>
    public static async Task<string?> RunAsync(TaskOrchestrationContext context, RunState run, ApprovalStep step, RunTelemetry telemetry)
    {
        int round = run.Timeline.Count(r => r.StepId == step.Id) + 1;
        (Gate gate, ApprovalDecision? decision) = await OpenAndWaitAsync(context, run, step, ApprovalSnapshot.Capture(step, run.Data), round, telemetry);
        return Close(context, run, gate, decision, round);
    }

    /// <summary>
    /// The same gate in front of an agent's tool call (<see cref="AgentStep.GateStep(AgentTool, string)"/>): the snapshot is the call
    /// (tool, arguments, conversation so far). Records the gate in the timeline like an approval step, sets no step
    /// output and fails nothing: the agent decides what the outcome means (a refusal goes back to the model).
    /// </summary>
    public static async Task<ToolCallVerdict> ApproveToolCallAsync(TaskOrchestrationContext context, RunState run, ApprovalStep gateStep, JsonObject snapshot, RunTelemetry telemetry)
    {
        int round = run.Timeline.Count(r => r.StepId == gateStep.Id) + 1;
        (Gate gate, ApprovalDecision? decision) = await OpenAndWaitAsync(context, run, gateStep, snapshot, round, telemetry);
        (string outcome, StepRecord record) = Conclude(context, run, gate, decision, round);
        run.Timeline.Add(outcome == Decisions.Approve ? record : record with { Status = StepStatuses.Failed });
        return new ToolCallVerdict(outcome, record.Approval!);
    }

    /// <summary>Opens the gate (its snapshot stored first when large) and waits level by level for a decision; null when every level timed out.</summary>
    static async Task<(Gate Gate, ApprovalDecision? Decision)> OpenAndWaitAsync(TaskOrchestrationContext context, RunState run, ApprovalStep step, JsonObject snapshot, int round, RunTelemetry telemetry)
    {
        var gate = new Gate(ApprovalEvents.GateId(step.Id, round), step, snapshot, context.CurrentUtcDateTime);
        gate.Listen(context);
        bool snapshotStored = await StoreLargeSnapshotAsync(context, run, gate);

        ApprovalDecision? decision = null;
        for (int index = 0; index < step.Escalation.Count && decision is null && !run.Cancelled; index++)
        {
            EscalationLevel level = step.Escalation[index];
            DateTime levelOpened = context.CurrentUtcDateTime;
            DateTime deadline = levelOpened + level.TimeoutSpan;
            run.Publish(context, new RunStatus
            {
                Workflow = run.Definition.Name, Version = run.Definition.Version, State = RunStates.WaitingForApproval,
                CurrentStep = step.Id, StepKind = step.Kind,
                Gate = new OpenGate(
                    gate.Id, level.Name, index, gate.OpenedAt, deadline, level.Approvers, gate.Hash, level.Group,
                    snapshotStored ? null : gate.Snapshot, step.Criteria, snapshotStored),
            });
            if (index > 0)
            {
                gate.Escalations.Add(new GateEscalation(level.Name, index, levelOpened));
                telemetry.Escalated(step.Id, level.Name);
                if (index == step.Escalation.Count - 1)
                {
                    await OwnerAlerts.LastLevelAsync(context, run, step.Id, level.Name);
                }
            }

            await NotifyAsync(context, run, gate, index, index == 0 ? NoticeKinds.Opened : NoticeKinds.Escalated, deadline);
            decision = await WaitForLevelAsync(context, run, gate, index, levelOpened, deadline);
        }

        if (decision is null && !run.Cancelled)
        {
            telemetry.ApprovalTimedOut(step.Id, step.Escalation[^1].Name, step.OnTimeout);
        }

        if (decision is null && step.OnTimeout != TimeoutActions.Fail)
        {
            await OwnerAlerts.TimedOutAsync(context, run, step.Id, step.OnTimeout == TimeoutActions.Approve ? "approved" : "rejected");
        }

        return (gate, decision);
    }

    /// <summary>Records how the gate ended in the state and the timeline, and picks the next step.</summary>
    static string? Close(TaskOrchestrationContext context, RunState run, Gate gate, ApprovalDecision? decision, int round)
    {
        ApprovalStep step = gate.Step;
        (string outcome, StepRecord record) = Conclude(context, run, gate, decision, round);
        ApprovalRecord approval = record.Approval!;
        JsonObject output = JsonSerializer.SerializeToNode(approval, JsonSerializerOptions.Web)!.AsObject();
        output["snapshot"] = gate.Snapshot.DeepClone();
        run.SetStep(step.Id, new JsonObject { ["output"] = output, ["attempts"] = round });

        switch (outcome)
        {
            case Decisions.Approve:
                // The steps after the gate run on exactly the values the reviewer approved.
                ApprovalSnapshot.Restore(gate.Snapshot, run.Data);
                run.Timeline.Add(record);
                return run.NextAfter(step);
            case Decisions.RequestChanges when step.RequestChanges is { } changes && round < changes.MaxRounds:
                run.Timeline.Add(record with { Status = StepStatuses.Succeeded, Next = changes.Goto });
                return changes.Goto;
            case Decisions.Reject or Decisions.RequestChanges when step.OnReject is not null:
                run.Timeline.Add(record with { Next = step.OnReject });
                return step.OnReject == StepIds.End ? null : step.OnReject;
            case Decisions.Reject or Decisions.RequestChanges:
                string by = decision is null ? "the final escalation level timed out" : $"{decision.Approver}: {decision.Comment}";
                run.Timeline.Add(record with { Error = new StepError(FailureReasons.ApprovalRejected, by, false) });
                run.Fail(context, step.Id, FailureReasons.ApprovalRejected, $"gate {gate.Id} rejected by {by}");
                return null;
            default:
                string message = $"gate {gate.Id} had no decision after {step.Escalation.Count} escalation level(s)";
                run.Timeline.Add(record with { Error = new StepError(FailureReasons.ApprovalTimeout, message, false) });
                run.Fail(context, step.Id, FailureReasons.ApprovalTimeout, message);
                return null;
        }
    }

    /// <summary>Closes the gate: its approval record (who, what, when, how long) and its timeline record.</summary>
    static (string Outcome, StepRecord Record) Conclude(TaskOrchestrationContext context, RunState run, Gate gate, ApprovalDecision? decision, int round)
    {
        ApprovalStep step = gate.Step;
        run.CloseGate(gate.Id);
        DateTime decidedAt = context.CurrentUtcDateTime;
        double latency = (decidedAt - gate.OpenedAt).TotalSeconds;
        run.ApprovalWaitSeconds += latency;
        string outcome = decision?.Decision ?? step.OnTimeout switch
        {
            TimeoutActions.Approve => Decisions.Approve,
            TimeoutActions.Reject => Decisions.Reject,
            _ => TimeoutOutcomes.TimedOut,
        };
        int levelIndex = decision?.Level ?? step.Escalation.Count - 1;
        var approval = new ApprovalRecord
        {
            GateId = gate.Id, Decision = outcome, DecidedBy = decision?.Approver ?? TimeoutOutcomes.DecidedByTimeout,
            Level = step.Escalation[levelIndex].Name, LevelIndex = levelIndex, Comment = decision?.Comment,
            Criteria = decision?.Criteria ?? new Dictionary<string, bool>(), SnapshotHash = gate.Hash,
            OpenedAt = gate.OpenedAt, DecidedAt = decidedAt, LatencySeconds = latency,
            Escalations = gate.Escalations, Notifications = gate.Notifications, Ignored = gate.Ignored,
        };

        var record = new StepRecord
        {
            StepId = step.Id, Kind = step.Kind, StartedAt = gate.OpenedAt, CompletedAt = decidedAt, Attempts = round,
            Status = outcome == Decisions.Approve ? StepStatuses.Succeeded : StepStatuses.Failed, Approval = approval,
        };

        return (outcome, record);
    }

    /// <summary>Waits for a valid decision until the level's deadline, sending reminders on the way.</summary>
    static async Task<ApprovalDecision?> WaitForLevelAsync(TaskOrchestrationContext context, RunState run, Gate gate, int index, DateTime levelOpened, DateTime deadline)
    {
        EscalationLevel level = gate.Step.Escalation[index];
        var wakeUps = level.Reminders.Select(r => levelOpened + Durations.Parse(r)).Where(t => t < deadline).Order().Append(deadline);
        foreach (DateTime wakeUp in wakeUps)
        {
            if (run.Cancelled)
            {
                // The branch lost its join: its gate is withdrawn, and it must not remind or escalate.
                return null;
            }

            // Linked to the scope so a gate in a branch that lost its join drops its timer (Durable allows that).
            using var cancelTimer = CancellationTokenSource.CreateLinkedTokenSource(run.Cancellation);
            Task timer = context.CreateTimer(wakeUp, cancelTimer.Token);
            while (await Task.WhenAny(gate.Decision, timer) == gate.Decision)
            {
                ApprovalDecision received = gate.Decision.Result;
                if (gate.Refuse(received, run.EngineRevision >= 3 ? index : null) is string why)
                {
                    // Only the webhook should raise decisions, and it checks first; anything else raised on the
                    // gate's event is recorded and ignored, and the same timer keeps running.
                    gate.Ignored.Add($"{received.Approver}: {why}");
                    gate.Listen(context);
                    continue;
                }

                // Cancel the losing timer, or the run would stay Running until it fires.
                cancelTimer.Cancel();
                return received with { Level = index };
            }

            if (wakeUp < deadline && !run.Cancelled)
            {
                await NotifyAsync(context, run, gate, index, NoticeKinds.Reminder, deadline);
            }
            else if (run.EngineRevision >= 3 && await CloseLevelAsync(context, gate, index) is { } claimed)
            {
                // A decision claimed this level before its time ran out and was answered 202: that is what applies.
                if (gate.Refuse(claimed, index) is string why)
                {
                    gate.Ignored.Add($"{claimed.Approver}: {why}");
                    return null;
                }

                return claimed with { Level = index };
            }
        }

        return null;
    }

    /// <summary>
    /// Closes the level in the decision table before the gate moves on, so a decision and the level's timer
    /// cannot both win: the claimed decision comes back, or the table refuses every later claim for the level.
    /// </summary>
    static async Task<ApprovalDecision?> CloseLevelAsync(TaskOrchestrationContext context, Gate gate, int index)
    {
        int next = index + 1 < gate.Step.Escalation.Count ? index + 1 : ApprovalDecisionStore.TimedOutLevel;
        try
        {
            return await context.CallActivityAsync<ApprovalDecision?>(nameof(CloseGateLevelActivity), new GateLevelToClose(context.InstanceId, gate.Id, index, next), StoreRetry);
        }
        catch (TaskFailedException ex)
        {
            // The table is unreachable even after retries: escalate on the timer as before, and say so.
            gate.Ignored.Add($"level {index} could not be closed in the decision table: {ex.FailureDetails.ErrorMessage}");
            return null;
        }
    }

    /// <summary>
    /// A snapshot too large for the run's status is stored beside the run before the gate shows as open, so no
    /// approver ever sees a gate whose context is missing. Approving blind is not an option: if it cannot be
    /// stored, the gate step fails.
    /// </summary>
    static async Task<bool> StoreLargeSnapshotAsync(TaskOrchestrationContext context, RunState run, Gate gate)
    {
        // Runs started before revision 2 never scheduled this activity; replaying them must not either. A gate in a
        // branch always stores it: several gates can be open at once, and their snapshots together would not fit.
        if (run.EngineRevision < 2 || (!run.IsNested && RunStatusBudget.Measure(gate.Snapshot) <= RunStatusBudget.MaxInlineSnapshotChars))
        {
            return false;
        }

        try
        {
            await context.CallActivityAsync<bool>(nameof(StoreApprovalSnapshotActivity), new SnapshotToStore(context.InstanceId, gate.Id, gate.Snapshot), StoreRetry);
            return true;
        }
        catch (TaskFailedException ex)
        {
            run.Fail(context, gate.Step.Id, FailureReasons.ActivityError, $"the snapshot of gate {gate.Id} could not be stored: {ex.FailureDetails.ErrorMessage}");
            return false;
        }
    }

    static async Task NotifyAsync(TaskOrchestrationContext context, RunState run, Gate gate, int index, string kind, DateTime deadline)
    {
        EscalationLevel level = gate.Step.Escalation[index];
        var notice = new ApprovalNotice(
            new StepIdentity(context.InstanceId, run.Definition.Name, gate.Step.Id, 1),
            gate.Id, kind, index, level.Name, level.Approvers, level.Group, level.Notify, deadline, gate.Snapshot, gate.Hash, gate.Step.Criteria)
        {
            ExecutionId = run.ExecutionId,
        };
        DateTime at = context.CurrentUtcDateTime;
        try
        {
            bool delivered = await context.CallActivityAsync<bool>(nameof(NotifyApproversActivity), notice, NotifyRetry);
            gate.Notifications.Add(new GateNotification(kind, level.Name, at, delivered));
        }
        catch (TaskFailedException ex)
        {
            // The gate stays open and escalates on its timers; the failed notice is in the history.
            gate.Notifications.Add(new GateNotification(kind, level.Name, at, false, ex.FailureDetails.ErrorMessage));
        }
    }

    /// <summary>How the gate in front of a tool call ended: approve, reject, request-changes or timed-out, and the record.</summary>
    public sealed record ToolCallVerdict(string Outcome, ApprovalRecord Approval);

    /// <summary>One opening of a gate: what is approved, its hash, and the decision event being listened for.</summary>
    sealed class Gate(string id, ApprovalStep step, JsonObject snapshot, DateTime openedAt)
    {
        public string Id { get; } = id;
        public ApprovalStep Step { get; } = step;
        public JsonObject Snapshot { get; } = snapshot;
        public string Hash { get; } = ApprovalSnapshot.Hash(snapshot);
        public DateTime OpenedAt { get; } = openedAt;
        public Task<ApprovalDecision> Decision { get; private set; } = null!;
        public List<GateEscalation> Escalations { get; } = [];
        public List<GateNotification> Notifications { get; } = [];
        public List<string> Ignored { get; } = [];

        /// <summary>One listener across all levels, so a decision raised during an escalation is not lost.</summary>
        public void Listen(TaskOrchestrationContext context) =>
            Decision = context.WaitForExternalEvent<ApprovalDecision>(ApprovalEvents.ForGate(Id));

        /// <summary>Why a decision cannot apply; <paramref name="level"/> (revision 3 on) must be the level it was made for.</summary>
        public string? Refuse(ApprovalDecision decision, int? level) =>
            !Decisions.All.Contains(decision.Decision) ? $"unknown decision '{decision.Decision}'"
            : decision.SnapshotHash != Hash ? "the snapshot hash does not match what the gate opened with"
            : level is { } current && decision.Level != current ? $"decided for level {decision.Level}, but the gate is at level {current}"
            : null;
    }
}
