using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;

namespace StreamCanvas.Storage;

/// <summary>
/// Which decision won each gate: one row per (instance, gate) in the app's own storage account. Adding the row
/// is the claim, so of two concurrent decisions exactly one gets in and the other reads the winner back.
/// </summary>
public sealed class ApprovalDecisionStore(TableClient table)
{
    public const string TableName = "ApprovalDecisions";

    readonly CreateOnce create = new(ct => table.CreateIfNotExistsAsync(ct));

    /// <summary>On AzureWebJobsStorage (see <see cref="StorageClients"/>).</summary>
    public static ApprovalDecisionStore Create(IConfiguration configuration) =>
        new(StorageClients.Tables(configuration).GetTableClient(TableName));

    /// <summary>Records the decision unless the gate already has one; returns the one already recorded, or null when this one won.</summary>
    public async Task<ApprovalDecision?> TryClaimAsync(string instanceId, string gateId, ApprovalDecision decision, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var entity = new TableEntity(Key(instanceId), Key(gateId)) { ["Decision"] = JsonSerializer.Serialize(decision, JsonSerializerOptions.Web) };
        try
        {
            await table.AddEntityAsync(entity, cancellationToken);
            return null;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return await FindAsync(instanceId, gateId, cancellationToken)
                ?? throw new InvalidOperationException($"gate {gateId} of {instanceId} was claimed but its decision cannot be read", ex);
        }
    }

    public async Task<ApprovalDecision?> FindAsync(string instanceId, string gateId, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        NullableResponse<TableEntity> row = await table.GetEntityIfExistsAsync<TableEntity>(Key(instanceId), Key(gateId), ["Decision"], cancellationToken);
        return row.HasValue && row.Value!.GetString("Decision") is { } json
            ? JsonSerializer.Deserialize<ApprovalDecision>(json, JsonSerializerOptions.Web)
            : null;
    }

    /// <summary>
    /// Keeps a decision that could not be applied (finished run, gate not open) so it is never silently dropped:
    /// one row per refusal beside the gate's claim row.
    /// </summary>
    public async Task RecordRefusalAsync(string instanceId, string gateId, string reason, string? body, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var entity = new TableEntity(Key(instanceId), $"{Key(gateId)}~refused~{at.UtcTicks:D19}~{Guid.NewGuid():N}")
        {
            ["Reason"] = reason,
            ["Body"] = body is { Length: > 32_000 } ? body[..32_000] : body,
            ["At"] = at,
        };
        await table.AddEntityAsync(entity, cancellationToken);
    }

    /// <summary>Keeps a decision that arrived before its gate was visible, for the audit trail.</summary>
    public async Task RecordEarlyAsync(string instanceId, string gateId, ApprovalDecision decision, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var entity = new TableEntity(Key(instanceId), $"{Key(gateId)}~early~{decision.DecidedAt.Ticks:D19}~{Guid.NewGuid():N}")
        {
            ["Decision"] = JsonSerializer.Serialize(decision, JsonSerializerOptions.Web),
        };
        await table.AddEntityAsync(entity, cancellationToken);
    }

    public async Task<IReadOnlyList<(string Reason, string? Body)>> RefusalsAsync(string instanceId, string gateId, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        string prefix = $"{Key(gateId)}~refused~";
        string partition = Key(instanceId);
        var refusals = new List<(string, string?)>();
        await foreach (TableEntity row in table.QueryAsync<TableEntity>(e => e.PartitionKey == partition && e.RowKey.CompareTo(prefix) >= 0 && e.RowKey.CompareTo(prefix + "~") < 0, cancellationToken: cancellationToken))
        {
            refusals.Add((row.GetString("Reason") ?? "", row.GetString("Body")));
        }

        return refusals;
    }

    /// <summary>Deletes every row of a run (its purge): claims, refusals and early decisions.</summary>
    public async Task DeleteRunAsync(string instanceId, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        string partition = Key(instanceId);
        await foreach (TableEntity row in table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            await table.DeleteEntityAsync(partition, row.RowKey, ETag.All, cancellationToken);
        }
    }

    /// <summary>Table keys may not hold '/', '\', '#' or '?'; instance ids come from clients.</summary>
    static string Key(string value) => Uri.EscapeDataString(value);

    Task EnsureTableAsync(CancellationToken cancellationToken) => create.EnsureAsync(cancellationToken);
}
