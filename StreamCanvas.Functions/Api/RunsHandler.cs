using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using StreamCanvas.Orchestration;
using StreamCanvas.Starts;
using StreamCanvas.Storage;

namespace StreamCanvas.Api;

/// <summary>
/// The operator API over runs, split by concern: reading one run and its history (here), listing
/// (RunsHandler.List.cs), control actions (RunsHandler.Control.cs) and purging (RunsHandler.Purge.cs).
/// </summary>
public sealed partial class RunsHandler(RunStarter starter, ApprovalSnapshotStore snapshots, ApprovalDecisionStore decisions)
{
    static readonly OrchestrationRuntimeStatus[] Terminal =
        [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated];

    public async Task<IResult> GetAsync(HttpRequest request, string instanceId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        OrchestrationMetadata? metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (metadata is null)
        {
            return UnknownRun(instanceId);
        }

        RunStatus? status = metadata.ReadCustomStatusAs<RunStatus>();
        string? gate = metadata.IsActive() ? status?.Gate?.GateId : null;
        RunView view = RunView.From(metadata, RunLinks.For(request, instanceId, gate));
        return Results.Ok(view.Gate is { } open ? view with { Gate = await snapshots.WithSnapshotAsync(instanceId, open, cancellationToken) } : view);
    }

    /// <summary>
    /// The run's timeline: every step execution with its timing, attempts, tokens and errors, and each approval's
    /// opening, escalations and decision. A completed run's comes from its output; any other run's from the tail
    /// the orchestrator publishes in its custom status.
    /// </summary>
    public async Task<IResult> HistoryAsync(HttpRequest request, string instanceId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        OrchestrationMetadata? metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (metadata is null)
        {
            return UnknownRun(instanceId);
        }

        WorkflowRunResult? result = metadata.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? metadata.ReadOutputAs<WorkflowRunResult>() : null;
        RunStatus? status = metadata.ReadCustomStatusAs<RunStatus>();
        RunView view = RunView.From(metadata, RunLinks.For(request, instanceId), includeDetails: false);
        return Results.Ok(new RunHistory(
            instanceId,
            view.Workflow,
            metadata.RuntimeStatus.ToString(),
            view.State,
            metadata.CreatedAt,
            metadata.LastUpdatedAt,
            result?.Steps ?? status?.Timeline ?? [],
            result is null ? status?.EarlierSteps ?? 0 : 0,
            metadata.IsActive() ? status?.Gate : null,
            view.Failure,
            result?.Totals ?? status?.Totals,
            metadata.IsActive() && status is not null ? status with { Timeline = null } : null));
    }

    /// <summary>
    /// Loads a run for an operator action: 404 for an unknown run, 409 where its state does not allow the action
    /// ("cannot be {action}"). Run is null exactly when Problem says why.
    /// </summary>
    static async Task<(OrchestrationMetadata? Run, IResult? Problem)> LoadForActionAsync(
        string instanceId, DurableTaskClient client, bool withInput, Func<OrchestrationMetadata, bool> allowed, string action, CancellationToken cancellationToken)
    {
        OrchestrationMetadata? metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: withInput, cancellationToken);
        return metadata is null ? (null, UnknownRun(instanceId))
            : !allowed(metadata) ? (null, NotValidNow(instanceId, metadata, action))
            : (metadata, null);
    }

    static bool HasFinished(OrchestrationMetadata run) => Terminal.Contains(run.RuntimeStatus);

    static IResult UnknownRun(string instanceId) => Problems.NotFound($"no run with id '{instanceId}'");

    static IResult NotValidNow(string instanceId, OrchestrationMetadata metadata, string action) =>
        Problems.Conflict($"run '{instanceId}' is {metadata.RuntimeStatus} and cannot be {action}",
            new Dictionary<string, object?> { ["instanceId"] = instanceId, ["runtimeStatus"] = metadata.RuntimeStatus.ToString() });
}

/// <param name="EarlierStepsOmitted">Step executions older than <see cref="Steps"/> that are not listed (long runs not yet completed).</param>
public sealed record RunHistory(
    string InstanceId,
    string Workflow,
    string RuntimeStatus,
    string State,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    IReadOnlyList<StepRecord> Steps,
    int EarlierStepsOmitted,
    OpenGate? OpenGate,
    RunFailure? Failure,
    RunTotals? Totals,
    RunStatus? Current);
