using Azure;
using Azure.Data.Tables;

namespace StreamCanvas.Storage;

/// <summary>
/// What both hosts remember about each schedule, beside the task hub: whether an operator paused it, the latest
/// occurrence it started (and that run), and, for the Functions timer, the time up to which occurrences were handled.
/// </summary>
public interface IScheduleStates
{
    /// <summary>The workflow's row, or null before its schedule was first seen.</summary>
    Task<ScheduleState?> GetAsync(string workflow, CancellationToken cancellationToken);

    Task SetPausedAsync(string workflow, bool paused, CancellationToken cancellationToken);

    /// <summary>Records a started occurrence, unless a later one is recorded already (an older retry arriving late).</summary>
    Task RecordStartedAsync(string workflow, DateTimeOffset occurrence, string instanceId, CancellationToken cancellationToken);

    /// <summary>Every occurrence up to <paramref name="through"/> has been started, skipped or left to the pause.</summary>
    Task MarkHandledAsync(string workflow, DateTimeOffset through, CancellationToken cancellationToken);
}

public sealed record ScheduleState(string Workflow, bool Paused, DateTimeOffset? LastOccurrence, string? LastInstanceId, DateTimeOffset? HandledThrough);

/// <summary>Rows of the Schedules table: partition = task hub (two hubs on one account keep their schedules apart), row = workflow.</summary>
public sealed class TableScheduleStates(TableServiceClient tables, string taskHub) : IScheduleStates
{
    public const string TableName = "Schedules";
    readonly TableClient table = tables.GetTableClient(TableName);
    readonly CreateOnce created = new(ct => tables.GetTableClient(TableName).CreateIfNotExistsAsync(ct));

    string Partition => taskHub.Length == 0 ? "default" : taskHub;

    public async Task<ScheduleState?> GetAsync(string workflow, CancellationToken cancellationToken)
    {
        await created.EnsureAsync(cancellationToken);
        NullableResponse<TableEntity> row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, workflow, cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value is not { } entity)
        {
            return null;
        }

        return new ScheduleState(workflow, entity.GetBoolean("Paused") ?? false, entity.GetDateTimeOffset("LastOccurrence"),
            entity.GetString("LastInstanceId"), entity.GetDateTimeOffset("HandledThrough"));
    }

    public Task SetPausedAsync(string workflow, bool paused, CancellationToken cancellationToken) =>
        MergeAsync(new TableEntity(Partition, workflow) { ["Paused"] = paused }, cancellationToken);

    public async Task RecordStartedAsync(string workflow, DateTimeOffset occurrence, string instanceId, CancellationToken cancellationToken)
    {
        if ((await GetAsync(workflow, cancellationToken))?.LastOccurrence >= occurrence)
        {
            return;
        }

        await MergeAsync(new TableEntity(Partition, workflow) { ["LastOccurrence"] = occurrence, ["LastInstanceId"] = instanceId }, cancellationToken);
    }

    public Task MarkHandledAsync(string workflow, DateTimeOffset through, CancellationToken cancellationToken) =>
        MergeAsync(new TableEntity(Partition, workflow) { ["HandledThrough"] = through }, cancellationToken);

    async Task MergeAsync(TableEntity entity, CancellationToken cancellationToken)
    {
        await created.EnsureAsync(cancellationToken);
        await table.UpsertEntityAsync(entity, TableUpdateMode.Merge, cancellationToken);
    }
}
