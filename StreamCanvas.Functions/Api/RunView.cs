using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;

namespace StreamCanvas.Api;

/// <summary>A run as operators and callers see it: Durable's status joined with the interpreter's own.</summary>
public sealed record RunView
{
    public required string InstanceId { get; init; }
    public required string Workflow { get; init; }
    public string? Version { get; init; }
    public string? DefinitionHash { get; init; }

    /// <summary>This execution of the instance id (new at every start); approval links are signed for it.</summary>
    public string? ExecutionId { get; init; }
    public required string RuntimeStatus { get; init; }

    /// <summary>running, waiting-for-approval, retrying, completed, failed, terminated, suspended.</summary>
    public required string State { get; init; }
    public string? CurrentStep { get; init; }
    public OpenGate? Gate { get; init; }

    /// <summary>Every open gate when several are (approvals in parallel branches).</summary>
    public IReadOnlyList<OpenGate>? Gates { get; init; }

    /// <summary>Branch and item counts of the parallel and map steps in flight.</summary>
    public IReadOnlyList<StepProgress>? Progress { get; init; }

    /// <summary>For a run a workflow step started: the run that started it.</summary>
    public string? ParentInstanceId { get; init; }

    /// <summary>Runs this run's workflow steps started: in flight, then finished ones from the timeline.</summary>
    public IReadOnlyList<string>? Children { get; init; }

    /// <summary>succeeded or failed-criteria once completed; failed when the run failed.</summary>
    public string? Outcome { get; init; }
    public JsonObject? Input { get; init; }
    public JsonObject? Outputs { get; init; }
    public IReadOnlyList<CriterionResult>? DefinitionOfDone { get; init; }
    public RunFailure? Failure { get; init; }
    public RunTotals? Totals { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset LastUpdatedAt { get; init; }

    /// <summary>Wall-clock time from creation to the last update (to now while it runs).</summary>
    public double DurationSeconds { get; init; }
    public required RunLinks Links { get; init; }

    public static RunView From(OrchestrationMetadata metadata, RunLinks links, bool includeDetails = true)
    {
        RunStatus? status = metadata.ReadCustomStatusAs<RunStatus>();
        WorkflowRunRequest? request = includeDetails ? metadata.ReadInputAs<WorkflowRunRequest>() : null;
        WorkflowRunResult? result = includeDetails && metadata.RuntimeStatus == OrchestrationRuntimeStatus.Completed
            ? metadata.ReadOutputAs<WorkflowRunResult>()
            : null;
        RunFailure? failure = status?.Failure is { } f && metadata.RuntimeStatus == OrchestrationRuntimeStatus.Failed
            ? f
            : metadata.FailureDetails is { } details ? new RunFailure(status?.CurrentStep ?? "", FailureReasons.ActivityError, details.ErrorMessage) : null;

        return new RunView
        {
            InstanceId = metadata.InstanceId,
            Workflow = status?.Workflow ?? request?.Definition.Name ?? RunIds.WorkflowOf(metadata.InstanceId),
            Version = status?.Version ?? request?.Definition.Version,
            DefinitionHash = request?.DefinitionHash,
            ExecutionId = request?.ExecutionId,
            RuntimeStatus = metadata.RuntimeStatus.ToString(),
            State = metadata.RuntimeStatus switch
            {
                OrchestrationRuntimeStatus.Terminated => "terminated",
                OrchestrationRuntimeStatus.Suspended => "suspended",
                OrchestrationRuntimeStatus.Failed => RunStates.Failed,
                OrchestrationRuntimeStatus.Completed => RunStates.Completed,
                OrchestrationRuntimeStatus.Pending => status?.State ?? "pending",
                _ => status?.State ?? RunStates.Running,
            },
            CurrentStep = metadata.IsActive() || metadata.RuntimeStatus == OrchestrationRuntimeStatus.Failed ? status?.CurrentStep : null,
            Gate = metadata.IsActive() ? status?.Gate : null,
            Gates = metadata.IsActive() ? status?.Gates : null,
            Progress = metadata.IsActive() ? status?.Progress : null,
            ParentInstanceId = request?.ParentInstanceId,
            Children = ChildrenOf(status, result),
            Outcome = result?.Outcome ?? (metadata.RuntimeStatus == OrchestrationRuntimeStatus.Failed ? RunOutcomes.Failed : null),
            Input = request?.Input,
            Outputs = result?.Outputs,
            DefinitionOfDone = result?.DefinitionOfDone,
            Failure = failure,
            Totals = result?.Totals ?? status?.Totals,
            CreatedAt = metadata.CreatedAt,
            LastUpdatedAt = metadata.LastUpdatedAt,
            DurationSeconds = ((metadata.IsActive() ? DateTimeOffset.UtcNow : metadata.LastUpdatedAt) - metadata.CreatedAt).TotalSeconds,
            Links = links,
        };
    }

    static IReadOnlyList<string>? ChildrenOf(RunStatus? status, WorkflowRunResult? result)
    {
        var children = (status?.Children ?? [])
            .Concat((result?.Steps ?? status?.Timeline ?? []).Select(s => s.ChildInstanceId).OfType<string>())
            .Distinct()
            .ToList();
        return children.Count > 0 ? children : null;
    }
}
