using Microsoft.AspNetCore.Http;
using StreamCanvas.Definitions;
using StreamCanvas.Storage;

namespace StreamCanvas.Api.Readiness;

/// <summary>
/// GET /api/workflows/record and GET /api/workflows/{name}/record?window=24h|7d: the live record beside the
/// readiness audit, from the rows each run writes when it ends.
/// </summary>
public sealed class RecordHandler(WorkflowCatalog catalog, IRunRecords records, TimeProvider clock)
{
    /// <summary>Most runs read for one workflow's record; past this the record covers the newest and says so.</summary>
    public const int MaxRuns = 20_000;

    public async Task<IResult> ListAsync(string? window, CancellationToken cancellationToken)
    {
        if (RecordWindow.Parse(window) is not { } parsed)
        {
            return BadWindow(window);
        }

        var all = new List<WorkflowRecord>();
        foreach (LoadedWorkflow workflow in catalog.All.OrderBy(w => w.Name, StringComparer.Ordinal))
        {
            all.Add(await RecordAsync(workflow.Name, parsed, cancellationToken));
        }

        return Results.Ok(new RecordList(parsed.Name, all));
    }

    public async Task<IResult> GetAsync(string name, string? window, CancellationToken cancellationToken)
    {
        if (RecordWindow.Parse(window) is not { } parsed)
        {
            return BadWindow(window);
        }

        return catalog.Find(name) is null
            ? Problems.NotFound($"no workflow named '{name}'")
            : Results.Ok(await RecordAsync(name, parsed, cancellationToken));
    }

    async Task<WorkflowRecord> RecordAsync(string workflow, RecordWindow window, CancellationToken cancellationToken)
    {
        DateTime since = clock.GetUtcNow().UtcDateTime - window.Length;
        IReadOnlyList<FinishedRun> runs = await records.SinceAsync(workflow, since, MaxRuns + 1, cancellationToken);
        bool truncated = runs.Count > MaxRuns;
        return WorkflowRecord.Of(workflow, window, since, truncated ? runs.Take(MaxRuns).ToList() : runs, truncated);
    }

    static IResult BadWindow(string? window) =>
        Problems.BadRequest($"window '{window}' is not one of 24h, 7d", new FieldError("window", "one of 24h, 7d"));
}

public sealed record RecordList(string Window, IReadOnlyList<WorkflowRecord> Workflows);
