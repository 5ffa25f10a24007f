using System.Collections.Concurrent;
using StreamCanvas.Storage;

namespace StreamCanvas.Tests.Support;

/// <summary>Schedule rows in memory, for tests of the schedule logic (the table has its own tests on Azurite).</summary>
public sealed class InMemoryScheduleStates : IScheduleStates
{
    readonly ConcurrentDictionary<string, ScheduleState> rows = new(StringComparer.Ordinal);

    public Task<ScheduleState?> GetAsync(string workflow, CancellationToken cancellationToken) =>
        Task.FromResult(rows.TryGetValue(workflow, out ScheduleState? row) ? row : null);

    public Task SetPausedAsync(string workflow, bool paused, CancellationToken cancellationToken) =>
        Update(workflow, row => row with { Paused = paused });

    public Task RecordStartedAsync(string workflow, DateTimeOffset occurrence, string instanceId, CancellationToken cancellationToken) =>
        Update(workflow, row => row.LastOccurrence >= occurrence ? row : row with { LastOccurrence = occurrence, LastInstanceId = instanceId });

    public Task MarkHandledAsync(string workflow, DateTimeOffset through, CancellationToken cancellationToken) =>
        Update(workflow, row => row with { HandledThrough = through });

    Task Update(string workflow, Func<ScheduleState, ScheduleState> change)
    {
        rows.AddOrUpdate(workflow, w => change(new ScheduleState(w, false, null, null, null)), (_, row) => change(row));
        return Task.CompletedTask;
    }
}
