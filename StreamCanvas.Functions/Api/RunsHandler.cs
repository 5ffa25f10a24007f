using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using StreamCanvas.Orchestration;

namespace StreamCanvas.Api;

/// <summary>GET /api/runs/{id}, GET /api/runs/{id}/history and POST /api/runs/{id}/terminate.</summary>
public sealed class RunsHandler
{
    public async Task<IResult> GetAsync(HttpRequest request, string instanceId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        OrchestrationMetadata? metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (metadata is null)
        {
            return Problems.NotFound($"no run with id '{instanceId}'");
        }

        RunStatus? status = metadata.ReadCustomStatusAs<RunStatus>();
        string? gate = metadata.IsRunning ? status?.Gate?.GateId : null;
        return Results.Ok(RunView.From(metadata, RunLinks.For(request, instanceId, gate)));
    }

    /// <summary>The run's timeline: every step execution with its timing, attempts, tokens and errors.</summary>
    public async Task<IResult> HistoryAsync(HttpRequest request, string instanceId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        OrchestrationMetadata? metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (metadata is null)
        {
            return Problems.NotFound($"no run with id '{instanceId}'");
        }

        WorkflowRunResult? result = metadata.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? metadata.ReadOutputAs<WorkflowRunResult>() : null;
        RunStatus? status = metadata.ReadCustomStatusAs<RunStatus>();
        return Results.Ok(new RunHistory(instanceId, metadata.RuntimeStatus.ToString(), metadata.CreatedAt, metadata.LastUpdatedAt,
            result?.Steps ?? [], metadata.IsRunning ? status : null, status?.Failure));
    }

    public async Task<IResult> TerminateAsync(HttpRequest request, string instanceId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        OrchestrationMetadata? metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
        if (metadata is null)
        {
            return Problems.NotFound($"no run with id '{instanceId}'");
        }

        if (!metadata.IsRunning && metadata.RuntimeStatus != OrchestrationRuntimeStatus.Suspended)
        {
            return Problems.Conflict($"run '{instanceId}' is {metadata.RuntimeStatus} and cannot be terminated");
        }

        string reason = request.Query["reason"].ToString() is { Length: > 0 } given ? given : "terminated by an operator";
        await client.TerminateInstanceAsync(instanceId, new TerminateInstanceOptions { Output = reason }, cancellationToken);
        return Results.Accepted(RunLinks.For(request, instanceId).Status, new { instanceId, reason });
    }
}

public sealed record RunHistory(string InstanceId, string RuntimeStatus, DateTimeOffset CreatedAt, DateTimeOffset LastUpdatedAt,
    IReadOnlyList<StepRecord> Steps, RunStatus? Current, RunFailure? Failure);
