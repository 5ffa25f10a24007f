using System.Collections.Concurrent;
using StreamCanvas.Storage;

namespace StreamCanvas.Tests.Support;

/// <summary>The run-record table in memory: one row per instance, as the table's upsert keeps it.</summary>
public sealed class InMemoryRunRecords : IRunRecords
{
    readonly ConcurrentDictionary<string, FinishedRun> rows = new(StringComparer.Ordinal);

    public IReadOnlyCollection<FinishedRun> All => rows.Values.ToList();

    public Task WriteAsync(FinishedRun run, CancellationToken cancellationToken)
    {
        rows[run.InstanceId] = run;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<FinishedRun>> SinceAsync(string workflow, DateTime since, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<FinishedRun>>(rows.Values
            .Where(r => r.Workflow == workflow && r.FinishedAt >= since)
            .OrderByDescending(r => r.FinishedAt)
            .Take(limit)
            .ToList());
}
