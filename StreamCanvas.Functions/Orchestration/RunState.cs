using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

/// <summary>
/// What a run knows while it executes: the state templates and conditions read, and the timeline so far.
/// Rebuilt identically on every replay from the orchestration's history. A parallel branch or a map item runs in
/// a nested scope (<see cref="Branch"/>, <see cref="Item"/>) with its own list of steps, state and timeline, which
/// its parent takes in when the branch's result is accepted.
/// </summary>
public sealed class RunState
{
    readonly RunState? parent;
    readonly List<RunState> children = [];
    readonly CancellationTokenSource cancellation = new();

    // Shared by every scope of the run: the gates open now (several can be, in parallel branches), and the
    // progress of each parallel and map step in flight, all published with every status.
    readonly Dictionary<string, (RunState Owner, OpenGate Gate)> openGates;
    readonly Dictionary<string, StepProgress> progress;
    readonly Dictionary<string, IReadOnlyList<AgentTurnRecord>> agentTurns;
    readonly List<string> childRuns;

    public RunState(WorkflowRunRequest request)
    {
        Definition = request.Definition;
        EngineRevision = request.Revision;
        ExecutionId = request.ExecutionId ?? "";
        Steps = request.Definition.Steps;
        Data = new JsonObject
        {
            [StatePath.InputRoot] = request.Input.DeepClone(),
            [StatePath.StepsRoot] = new JsonObject(),
        };
        openGates = [];
        progress = [];
        agentTurns = [];
        childRuns = [];
    }

    RunState(RunState parent, IReadOnlyList<WorkflowStep> steps, JsonObject data)
    {
        this.parent = parent;
        Definition = parent.Definition;
        EngineRevision = parent.EngineRevision;
        ExecutionId = parent.ExecutionId;
        Steps = steps;
        Data = data;
        openGates = parent.openGates;
        progress = parent.progress;
        agentTurns = parent.agentTurns;
        childRuns = parent.childRuns;
        parent.children.Add(this);
    }

    public WorkflowDefinition Definition { get; }

    /// <summary>The interpreter revision the run started under (see <see cref="WorkflowRunRequest.CurrentEngineRevision"/>).</summary>
    public int EngineRevision { get; }

    /// <summary>What approval links of this execution are signed for (empty for runs that started without one).</summary>
    public string ExecutionId { get; }

    /// <summary>The list of steps this scope interprets: the workflow's, a branch's or a map body's.</summary>
    public IReadOnlyList<WorkflowStep> Steps { get; }

    /// <summary>The map item this scope runs for (its "index"; a branch inside an item inherits it), null outside a map.</summary>
    public int? ItemIndex => Data[StatePath.IndexRoot] is JsonValue index ? index.GetValue<int>() : null;

    /// <summary>{ "input": ..., "steps": { "&lt;id&gt;": { "output", "status", "attempts", "model" } } } (and "item", "index" in a map body).</summary>
    public JsonObject Data { get; }

    public List<StepRecord> Timeline { get; } = [];
    public double ApprovalWaitSeconds { get; set; }

    /// <summary>Whether this scope is a branch or map item rather than the run itself.</summary>
    public bool IsNested => parent is not null;

    /// <summary>Set when the scope's result is no longer wanted (a join was decided without it): it starts no more steps.</summary>
    public bool Cancelled { get; private set; }

    /// <summary>Cancelled with the scope, so a gate in a losing branch drops its durable timers.</summary>
    public CancellationToken Cancellation => cancellation.Token;

    /// <summary>The step ids this scope ran, in order (its result is the output of the last one that has an output).</summary>
    public List<string> StepsRun { get; } = [];

    JsonObject StepEntries => Data[StatePath.StepsRoot]!.AsObject();

    RunState Root => parent?.Root ?? this;

    public WorkflowStep? FindStep(string id) => StepLists.Find(Steps, id);

    public string? NextAfter(WorkflowStep step) => StepLists.NextAfter(Steps, step);

    public void SetStep(string stepId, JsonObject entry) => StepEntries[stepId] = entry;

    /// <summary>A scope for one parallel branch: a copy of the state so far, read and written by the branch alone.</summary>
    public RunState Branch(IReadOnlyList<WorkflowStep> steps) => new(this, steps, Data.DeepClone().AsObject());

    /// <summary>A scope for one map item: the input, the given step entries, and "item" / "index".</summary>
    public RunState Item(IReadOnlyList<WorkflowStep> steps, JsonObject data) => new(this, steps, data);

    /// <summary>Takes in a finished branch: its timeline, approval wait and, when its result counts, its step entries.</summary>
    public void Adopt(RunState branch, bool withOutputs)
    {
        Timeline.AddRange(branch.Timeline);
        ApprovalWaitSeconds += branch.ApprovalWaitSeconds;
        if (withOutputs)
        {
            foreach (string id in branch.StepsRun.Distinct())
            {
                if (branch.StepEntries[id] is JsonNode entry)
                {
                    StepEntries[id] = entry.DeepClone();
                }
            }
        }
    }

    /// <summary>The output of the last step this scope ran that has one.</summary>
    public JsonNode? LastOutput() =>
        StepsRun.AsEnumerable().Reverse().Select(id => StepEntries[id]?["output"]).FirstOrDefault(o => o is not null);

    /// <summary>Stops the scope (and its nested scopes) starting steps, and withdraws its open gates from the status.</summary>
    public void Cancel()
    {
        Cancelled = true;
        cancellation.Cancel();
        foreach (string gateId in openGates.Where(g => g.Value.Owner == this).Select(g => g.Key).ToList())
        {
            openGates.Remove(gateId);
        }

        foreach (RunState child in children)
        {
            child.Cancel();
        }
    }

    public JsonObject Outputs()
    {
        var outputs = new JsonObject();
        foreach ((string id, JsonNode? entry) in StepEntries)
        {
            outputs[id] = entry?["output"]?.DeepClone();
        }

        return outputs;
    }

    /// <summary>This scope's totals; a nested scope's include its parent's, so budgets see the whole run so far.</summary>
    public RunTotals Totals()
    {
        var own = new RunTotals(
            Timeline.Sum(r => r.Tokens?.Prompt ?? 0),
            Timeline.Sum(r => r.Tokens?.Completion ?? 0),
            Timeline.Count,
            ApprovalWaitSeconds,
            Timeline.Sum(r => r.Cost ?? 0));
        return parent?.Totals() is { } outer
            ? new RunTotals(
                outer.PromptTokens + own.PromptTokens, outer.CompletionTokens + own.CompletionTokens, outer.StepsExecuted + own.StepsExecuted,
                outer.ApprovalWaitSeconds + own.ApprovalWaitSeconds, outer.Cost + own.Cost)
            : own;
    }

    /// <summary>Shows a gate as open in every status published until <see cref="CloseGate"/>.</summary>
    public void OpenGate(OpenGate gate) => openGates[gate.GateId] = (this, gate);

    public void CloseGate(string gateId) => openGates.Remove(gateId);

    /// <summary>Shows a parallel or map step's progress in every status published until <see cref="EndProgress"/>.</summary>
    public void ReportProgress(StepProgress stepProgress) => progress[stepProgress.StepId] = stepProgress;

    public void EndProgress(string stepId) => progress.Remove(stepId);

    /// <summary>
    /// Shows an agent step's turns so far in every status published until <see cref="EndAgentTurns"/>: its record
    /// (with the turns) joins the timeline only when the step ends, and an agent can wait hours at a tool's gate.
    /// </summary>
    public void ReportAgentTurns(string stepId, IReadOnlyList<AgentTurnRecord> turns) => agentTurns[stepId] = turns;

    public void EndAgentTurns(string stepId) => agentTurns.Remove(stepId);

    /// <summary>Shows a child run (a workflow step's) in every status published until <see cref="EndChild"/>.</summary>
    public void StartChild(string instanceId) => childRuns.Add(instanceId);

    public void EndChild(string instanceId) => childRuns.Remove(instanceId);

    /// <summary>
    /// Publishes the status with the totals and as much of the timeline's tail as fits (<see cref="RunStatusBudget"/>).
    /// Replay-safe: the timeline is rebuilt identically on replay, and only the last status of each checkpoint is stored.
    /// A nested scope publishes through the run's own state, with every gate open and every step's progress.
    /// </summary>
    public void Publish(TaskOrchestrationContext context, RunStatus status)
    {
        if (Cancelled)
        {
            return;
        }

        if (status.Gate is { } gate)
        {
            OpenGate(gate);
        }

        RunState root = Root;
        root.CurrentStep = status.CurrentStep ?? root.CurrentStep;
        var gates = openGates.Values.Select(g => g.Gate).ToList();
        if (gates.Count > 0 && status.State == RunStates.Running)
        {
            status = status with { State = RunStates.WaitingForApproval };
        }

        status = status with
        {
            Totals = Totals(),
            Gate = status.Gate ?? gates.LastOrDefault(),
            Gates = gates.Count > 1 ? gates : null,
            Progress = progress.Count > 0 ? progress.Values.ToList() : null,
            Agents = agentTurns.Count > 0 ? agentTurns.Select(a => RunStatusBudget.FitTurns(a.Key, a.Value, agentTurns.Count)).ToList() : null,
            Children = childRuns.Count > 0 ? childRuns.TakeLast(RunStatus.MaxPublishedChildren).ToList() : null,
        };
        context.SetCustomStatus(RunStatusBudget.Fit(status, root.Timeline));
    }

    /// <summary>The step the last published status named: where the run is, or where it stopped.</summary>
    public string? CurrentStep { get; private set; }

    /// <summary>
    /// Records the failure on the custom status and ends the run as Failed. In a nested scope it ends only the
    /// branch or item: the parallel or map step above decides what that failure means.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public void Fail(TaskOrchestrationContext context, string stepId, string reason, string message)
    {
        if (!IsNested)
        {
            Publish(context, new RunStatus
            {
                Workflow = Definition.Name,
                Version = Definition.Version,
                State = RunStates.Failed,
                CurrentStep = stepId,
                StepKind = Definition.FindStepAnywhere(stepId)?.Kind,
                Failure = new RunFailure(stepId, reason, message),
            });
        }

        throw new WorkflowFailedException(stepId, reason, message);
    }
}
