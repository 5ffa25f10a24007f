using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;

namespace StreamCanvas.Storage;

/// <summary>
/// One row per finished run: what the live record (runs, definition-of-done pass rate, failures, approval latency,
/// tokens and cost, per version and model) is computed from, without reading every run's history.
/// </summary>
public interface IRunRecords
{
    /// <summary>Writes the run's row; writing it again (a retried activity) leaves one row.</summary>
    Task WriteAsync(FinishedRun run, CancellationToken cancellationToken);

    /// <summary>The workflow's runs that finished at or after <paramref name="since"/>, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<FinishedRun>> SinceAsync(string workflow, DateTime since, int limit, CancellationToken cancellationToken);
}

/// <summary>How one run ended, as the live record counts it.</summary>
public sealed record FinishedRun
{
    public required string Workflow { get; init; }
    public required string Version { get; init; }
    public required string InstanceId { get; init; }

    /// <summary>succeeded, failed-criteria or failed.</summary>
    public required string Outcome { get; init; }
    public required DateTime StartedAt { get; init; }
    public required DateTime FinishedAt { get; init; }
    public string? FailedStep { get; init; }
    public string? FailureReason { get; init; }
    public int PromptTokens { get; init; }
    public int CompletionTokens { get; init; }
    public decimal? Cost { get; init; }

    /// <summary>Tokens and cost by model, so a new deployment shows beside the old one.</summary>
    public IReadOnlyList<ModelUse> Models { get; init; } = [];

    /// <summary>Seconds from each decided gate's opening to its decision.</summary>
    public IReadOnlyList<double> ApprovalLatencies { get; init; } = [];

    /// <summary>Gates that moved past their first level.</summary>
    public int EscalatedGates { get; init; }

    /// <summary>Every gate the run went through (decided or timed out).</summary>
    public int Gates { get; init; }
}

public sealed record ModelUse(string Model, int PromptTokens, int CompletionTokens, decimal? Cost);

/// <summary>
/// Rows of the RunRecords table on the task hub's account: partition = task hub and workflow (two task hubs on one
/// account, say staging and production, keep their records apart), newest row first.
/// </summary>
public sealed class TableRunRecords(TableServiceClient tables, string taskHub = "") : IRunRecords
{
    public const string TableName = "RunRecords";
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    readonly Lazy<TableClient> table = new(() => tables.GetTableClient(TableName));
    readonly CreateOnce created = new(ct => tables.GetTableClient(TableName).CreateIfNotExistsAsync(ct));

    public async Task WriteAsync(FinishedRun run, CancellationToken cancellationToken)
    {
        await created.EnsureAsync(cancellationToken);
        var row = new TableEntity(Partition(run.Workflow), RowKey(run.FinishedAt, run.InstanceId))
        {
            ["Run"] = JsonSerializer.Serialize(run, Json),
            ["FinishedAt"] = DateTime.SpecifyKind(run.FinishedAt, DateTimeKind.Utc),
            ["Version"] = run.Version,
            ["Outcome"] = run.Outcome,
        };
        await table.Value.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<IReadOnlyList<FinishedRun>> SinceAsync(string workflow, DateTime since, int limit, CancellationToken cancellationToken)
    {
        await created.EnsureAsync(cancellationToken);
        string filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition(workflow)} and RowKey lt {Inverted(since) + "~"}");
        var runs = new List<FinishedRun>();
        await foreach (TableEntity row in table.Value.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["Run"], cancellationToken: cancellationToken))
        {
            if (row.GetString("Run") is { } json && JsonSerializer.Deserialize<FinishedRun>(json, Json) is { } run)
            {
                runs.Add(run);
            }

            if (runs.Count >= limit)
            {
                break;
            }
        }

        return runs;
    }

    string Partition(string workflow) => taskHub.Length == 0 ? workflow : $"{taskHub}|{workflow}";

    /// <summary>Inverted ticks sort the newest run first; the instance id keeps runs finishing in the same tick apart.</summary>
    static string RowKey(DateTime finishedAt, string instanceId) => $"{Inverted(finishedAt)}-{Uri.EscapeDataString(instanceId)}";

    static string Inverted(DateTime at) => (DateTime.MaxValue.Ticks - at.Ticks).ToString("D19", CultureInfo.InvariantCulture);
}
