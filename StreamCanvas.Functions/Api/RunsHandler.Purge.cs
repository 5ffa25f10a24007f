using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using StreamCanvas.Definitions;

namespace StreamCanvas.Api;

/// <summary>DELETE /api/runs/{id} and DELETE /api/runs?completedBefore=...: purging finished runs' state and history.</summary>
public sealed partial class RunsHandler
{
    /// <summary>Caps one bulk purge request, so it answers in reasonable time; the response says if more remain.</summary>
    public const int MaxPurgePerRequest = 1000;

    public async Task<IResult> PurgeAsync(HttpRequest request, string instanceId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        (OrchestrationMetadata? run, IResult? refused) = await LoadForActionAsync(
            instanceId, client, withInput: false, HasFinished, "purged until it has finished; terminate it first", cancellationToken);
        if (run is null)
        {
            return refused!;
        }

        PurgeResult result = await client.PurgeInstanceAsync(instanceId, cancellationToken);
        await DeleteApprovalRecordsAsync(instanceId, cancellationToken);
        return Results.Ok(new { instanceId, purged = result.PurgedInstanceCount });
    }

    /// <summary>
    /// Purges finished runs whose last update (their completion) is before completedBefore. The provider's own bulk
    /// purge filters on creation time, so candidates are listed by creation time and checked one by one.
    /// </summary>
    public async Task<IResult> PurgeManyAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        string value = request.Query["completedBefore"].ToString();
        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset completedBefore))
        {
            return Problems.BadRequest("completedBefore is required", new FieldError("completedBefore", "an ISO 8601 date and time, e.g. 2025-01-31T00:00:00Z"));
        }

        string? workflow = request.Query["workflow"].ToString() is { Length: > 0 } w ? w : null;
        var query = new OrchestrationQuery
        {
            InstanceIdPrefix = workflow is null ? null : $"{workflow}{RunIds.Separator}",
            Statuses = Terminal,
            CreatedTo = completedBefore,
            PageSize = 100,
            FetchInputsAndOutputs = false,
        };
        var purged = new List<string>();
        bool more = false;
        await foreach (OrchestrationMetadata run in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            if (run.LastUpdatedAt >= completedBefore)
            {
                continue;
            }

            if (purged.Count == MaxPurgePerRequest)
            {
                more = true;
                break;
            }

            PurgeResult result = await client.PurgeInstanceAsync(run.InstanceId, cancellationToken);
            if (result.PurgedInstanceCount > 0)
            {
                await DeleteApprovalRecordsAsync(run.InstanceId, cancellationToken);
                purged.Add(run.InstanceId);
            }
        }

        return Results.Ok(new { purged = purged.Count, instanceIds = purged, more, completedBefore });
    }

    /// <summary>What the app keeps of a run beside the task hub goes with it: stored snapshots, decision rows and its start claim.</summary>
    async Task DeleteApprovalRecordsAsync(string instanceId, CancellationToken cancellationToken)
    {
        await snapshots.DeleteRunAsync(instanceId, cancellationToken);
        await decisions.DeleteRunAsync(instanceId, cancellationToken);
        await starter.ForgetStartAsync(instanceId, cancellationToken);
    }
}
