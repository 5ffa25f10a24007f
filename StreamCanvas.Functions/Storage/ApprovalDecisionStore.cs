using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;

namespace StreamCanvas.Storage;

/// <summary>
/// Which decision won each gate: one row per (instance, gate) in the app's own storage account, changed only
/// with optimistic concurrency. A decision's claim and the gate's escalation both change the row, so of any
/// number of concurrent decisions and the level's timer exactly one gets in and the others read what it wrote.
/// </summary>
public sealed class ApprovalDecisionStore(TableClient table)
{
    public const string TableName = "ApprovalDecisions";
    static readonly string[] PartitionOnly = ["PartitionKey"];
    static readonly string[] RowAndTimestamp = ["RowKey", "Timestamp"];

    readonly CreateOnce create = new(ct => table.CreateIfNotExistsAsync(ct));

    /// <summary>On AzureWebJobsStorage (see <see cref="StorageClients"/>).</summary>
    public static ApprovalDecisionStore Create(IConfiguration configuration) =>
        new(StorageClients.Tables(configuration).GetTableClient(TableName));

    /// <summary>
    /// Records the decision unless the gate already has one or has moved past the decision's level. Of any number
    /// of concurrent claims and the gate's own escalation (<see cref="CloseLevelAsync"/>), exactly one changes the
    /// row first; the others read what it says.
    /// </summary>
    public async Task<GateClaim> TryClaimAsync(string instanceId, string gateId, ApprovalDecision decision, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        while (true)
        {
            (TableEntity? row, ApprovalDecision? recorded, int? level) = await ReadAsync(instanceId, gateId, cancellationToken);
            if (recorded is not null)
            {
                return new GateClaim(recorded, null);
            }

            if (level is { } current && current != decision.Level)
            {
                return new GateClaim(null, current);
            }

            var entity = new TableEntity(Key(instanceId), Key(gateId))
            {
                [DecisionColumn] = JsonSerializer.Serialize(decision, JsonSerializerOptions.Web), [LevelColumn] = decision.Level,
            };
            if (await TryWriteAsync(row, entity, cancellationToken))
            {
                return GateClaim.Won;
            }
        }
    }

    /// <summary>
    /// The gate's side of the race: its level ran out, so it moves the row on to <paramref name="nextLevel"/>
    /// (or <see cref="TimedOutLevel"/>) unless a decision for the level got in first, which it returns: that
    /// decision, answered 202, is the one the gate must apply.
    /// </summary>
    public async Task<ApprovalDecision?> CloseLevelAsync(string instanceId, string gateId, int level, int nextLevel, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        while (true)
        {
            (TableEntity? row, ApprovalDecision? recorded, int? current) = await ReadAsync(instanceId, gateId, cancellationToken);
            if (recorded is not null)
            {
                return recorded;
            }

            if (current is { } moved && moved != level)
            {
                return null; // a retried activity: this level was already closed
            }

            if (await TryWriteAsync(row, new TableEntity(Key(instanceId), Key(gateId)) { [LevelColumn] = nextLevel }, cancellationToken))
            {
                return null;
            }
        }
    }

    /// <summary>The level a gate's row records once its last level ran out.</summary>
    public const int TimedOutLevel = -1;

    /// <summary>The decision that won the gate, or null while it has none.</summary>
    public async Task<ApprovalDecision?> FindAsync(string instanceId, string gateId, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        return (await ReadAsync(instanceId, gateId, cancellationToken)).Decision;
    }

    /// <summary>The gate's row: its decision, if any, and the level the gate last recorded (null before any escalation).</summary>
    async Task<(TableEntity? Row, ApprovalDecision? Decision, int? Level)> ReadAsync(string instanceId, string gateId, CancellationToken cancellationToken)
    {
        NullableResponse<TableEntity> found = await table.GetEntityIfExistsAsync<TableEntity>(Key(instanceId), Key(gateId), [DecisionColumn, LevelColumn], cancellationToken);
        if (!found.HasValue)
        {
            return (null, null, null);
        }

        TableEntity row = found.Value!;
        ApprovalDecision? decision = row.GetString(DecisionColumn) is { Length: > 0 } json ? JsonSerializer.Deserialize<ApprovalDecision>(json, JsonSerializerOptions.Web) : null;
        return (row, decision, row.GetInt32(LevelColumn));
    }

    /// <summary>Adds the row, or replaces it only if nobody changed it since it was read; false when someone did.</summary>
    async Task<bool> TryWriteAsync(TableEntity? read, TableEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            if (read is null)
            {
                await table.AddEntityAsync(entity, cancellationToken);
            }
            else
            {
                await table.UpdateEntityAsync(entity, read.ETag, TableUpdateMode.Replace, cancellationToken);
            }

            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }

    const string DecisionColumn = "Decision";
    const string LevelColumn = "Level";

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

    /// <summary>
    /// Retention: deletes every row of runs whose rows all last changed before <paramref name="cutoff"/> (the
    /// table's own Timestamp), at most <paramref name="maxRuns"/> runs; returns the runs deleted. A gate still open
    /// keeps its row fresh whenever it escalates or is decided, so only a level waiting longer than the retention
    /// could lose its row: the retention must exceed the longest approval level (ClaimsOptions).
    /// </summary>
    public async Task<int> DeleteRunsUnchangedSinceAsync(DateTimeOffset cutoff, int maxRuns, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var candidates = new HashSet<string>(StringComparer.Ordinal);
        await foreach (TableEntity row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"Timestamp lt {cutoff}"), select: PartitionOnly, cancellationToken: cancellationToken))
        {
            if (candidates.Add(row.PartitionKey) && candidates.Count == maxRuns)
            {
                break;
            }
        }

        int deleted = 0;
        foreach (string partition in candidates)
        {
            var rows = new List<TableEntity>();
            await foreach (TableEntity row in table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, select: RowAndTimestamp, cancellationToken: cancellationToken))
            {
                rows.Add(row);
            }

            if (rows.Count == 0 || rows.Any(r => r.Timestamp >= cutoff))
            {
                continue; // the run's gate changed recently: it may still be open
            }

            foreach (TableEntity row in rows)
            {
                try
                {
                    // Conditional on the row not having changed since it was read.
                    await table.DeleteEntityAsync(partition, row.RowKey, row.ETag, cancellationToken);
                }
                catch (RequestFailedException ex) when (ex.Status is 404 or 412)
                {
                    // deleted by a purge meanwhile, or written again (it then stays until a later sweep)
                }
            }

            deleted++;
        }

        return deleted;
    }

    /// <summary>Table keys may not hold '/', '\', '#' or '?'; instance ids come from clients.</summary>
    static string Key(string value) => Uri.EscapeDataString(value);

    Task EnsureTableAsync(CancellationToken cancellationToken) => create.EnsureAsync(cancellationToken);
}

/// <summary>A claim's result: it won (both null), another decision had won, or the gate is at another level now.</summary>
public sealed record GateClaim(ApprovalDecision? Winner, int? CurrentLevel)
{
    public static GateClaim Won { get; } = new(null, null);
}
