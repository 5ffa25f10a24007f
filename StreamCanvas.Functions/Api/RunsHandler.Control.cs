using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Storage;

namespace StreamCanvas.Api;

/// <summary>POST /api/runs/{id}/terminate, /suspend, /resume, /restart and /events/{name}.</summary>
public sealed partial class RunsHandler
{
    public Task<IResult> TerminateAsync(HttpRequest request, string instanceId, DurableTaskClient client, CancellationToken cancellationToken) =>
        ChangeStateAsync(request, instanceId, client, "terminated",
            run => run.IsRunning || run.RuntimeStatus == OrchestrationRuntimeStatus.Suspended,
            reason => client.TerminateInstanceAsync(instanceId, new TerminateInstanceOptions { Output = reason }, cancellationToken),
            cancellationToken);

    public Task<IResult> SuspendAsync(HttpRequest request, string instanceId, DurableTaskClient client, CancellationToken cancellationToken) =>
        ChangeStateAsync(request, instanceId, client, "suspended",
            run => run.RuntimeStatus is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending,
            reason => client.SuspendInstanceAsync(instanceId, reason, cancellationToken),
            cancellationToken);

    public Task<IResult> ResumeAsync(HttpRequest request, string instanceId, DurableTaskClient client, CancellationToken cancellationToken) =>
        ChangeStateAsync(request, instanceId, client, "resumed",
            run => run.RuntimeStatus == OrchestrationRuntimeStatus.Suspended,
            reason => client.ResumeInstanceAsync(instanceId, reason, cancellationToken),
            cancellationToken);

    /// <summary>Terminate, suspend and resume: 404 for an unknown run, 409 where the run's state does not allow it, else act and 202.</summary>
    async Task<IResult> ChangeStateAsync(HttpRequest request, string instanceId, DurableTaskClient client, string done,
        Func<OrchestrationMetadata, bool> allowed, Func<string, Task> act, CancellationToken cancellationToken)
    {
        (OrchestrationMetadata? run, IResult? refused) = await LoadForActionAsync(instanceId, client, withInput: false, allowed, done, cancellationToken);
        if (run is null)
        {
            return refused!;
        }

        string reason = Reason(request, $"{done} by an operator");
        await act(reason);
        return Results.Accepted(RunLinks.For(request, instanceId).Status, new { instanceId, reason });
    }

    /// <summary>
    /// Starts a new run with the finished run's exact request: the same input and the definition version it ran.
    /// Done here rather than with the client's restart so the new id keeps the "&lt;workflow&gt;:" prefix.
    /// </summary>
    public async Task<IResult> RestartAsync(HttpRequest request, string instanceId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        (OrchestrationMetadata? run, IResult? refused) = await LoadForActionAsync(
            instanceId, client, withInput: true, HasFinished, "restarted until it has finished; terminate it first", cancellationToken);
        if (run is null)
        {
            return refused!;
        }

        WorkflowRunRequest? original = run.ReadInputAs<WorkflowRunRequest>();
        if (original is null)
        {
            return Problems.Conflict($"run '{instanceId}' has no stored input to restart with");
        }

        string newId = await starter.RestartAsync(original, client, cancellationToken);
        RunLinks links = RunLinks.For(request, newId);
        return Results.Accepted(links.Status, new { instanceId = newId, restartedFrom = instanceId, workflow = original.Definition.Name, links });
    }

    public async Task<IResult> RaiseEventAsync(HttpRequest request, string instanceId, string eventName, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (eventName.Length is 0 or > 128)
        {
            return Problems.BadRequest("event names are 1-128 characters", new FieldError("name", "1-128 characters"));
        }

        // Decisions must pass the approvals route's token and snapshot checks; they cannot be raised from here.
        if (eventName.StartsWith(ApprovalEvents.ForGate(""), StringComparison.OrdinalIgnoreCase))
        {
            return Problems.BadRequest("approval decisions are sent through /api/approvals, not raised as events",
                new FieldError("name", "reserved for approval decisions"));
        }

        JsonNode? payload = null;
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            (payload, IResult? problem) = await JsonBody.ReadAsync(request, cancellationToken);
            if (problem is not null)
            {
                return problem;
            }
        }

        (OrchestrationMetadata? run, IResult? refused) = await LoadForActionAsync(
            instanceId, client, withInput: false, r => !HasFinished(r), "sent events", cancellationToken);
        if (run is null)
        {
            return refused!;
        }

        await client.RaiseEventAsync(instanceId, eventName, payload, cancellationToken);
        return Results.Accepted(RunLinks.For(request, instanceId).Status, new { instanceId, eventName });
    }

    static string Reason(HttpRequest request, string fallback) =>
        request.Query["reason"].ToString() is { Length: > 0 } given ? given : fallback;
}
