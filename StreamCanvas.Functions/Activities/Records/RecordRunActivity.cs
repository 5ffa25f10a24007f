using StreamCanvas.Definitions;
using StreamCanvas.Storage;

namespace StreamCanvas.Activities.Records;

/// <summary>
/// Writes a finished run's row for the live record and, when the workflow declares owner.doneRateAlert, answers the
/// definition-of-done pass rate over its window (this run included) so the orchestrator can alert the owner.
/// </summary>
public sealed class RecordRunActivity(IRunRecords records) : IDurableActivity<RecordRunRequest, DoneRate?>
{
    /// <summary>Most rows read for one pass rate: past this, the newest runs decide it.</summary>
    public const int MaxRunsInWindow = 5000;

    public async Task<DoneRate?> RunAsync(RecordRunRequest request, CancellationToken cancellationToken)
    {
        await records.WriteAsync(request.Run, cancellationToken);
        if (request.DoneRateAlert is not { } alert)
        {
            return null;
        }

        IReadOnlyList<FinishedRun> window = await records.SinceAsync(
            request.Run.Workflow, request.Run.FinishedAt.AddHours(-alert.WindowHours), MaxRunsInWindow, cancellationToken);
        return DoneRate.Of(window);
    }
}

public sealed record RecordRunRequest(FinishedRun Run, DoneRateAlert? DoneRateAlert);

/// <summary>Of <paramref name="Runs"/> finished runs, <paramref name="Passed"/> met their definition of done.</summary>
public sealed record DoneRate(int Runs, int Passed)
{
    public double Share => Runs == 0 ? 1 : (double)Passed / Runs;

    /// <summary>A run that failed did not reach its definition of done, so it counts against the rate.</summary>
    public static DoneRate Of(IEnumerable<FinishedRun> runs)
    {
        var all = runs.ToList();
        return new DoneRate(all.Count, all.Count(r => r.Outcome == RunOutcomes.Succeeded));
    }
}
