using StreamCanvas.Definitions;
using StreamCanvas.Storage;

namespace StreamCanvas.Api.Readiness;

/// <summary>
/// A workflow's live record over a window: how its runs ended, where they failed, how fast people decided, what
/// they cost; overall, per definition version (newest first, so a changed prompt shows against the one before) and
/// per model, plus a daily series per version for the chart.
/// </summary>
public sealed record WorkflowRecord(
    string Workflow,
    string Window,
    DateTime Since,
    RecordFigures Overall,
    IReadOnlyList<VersionFigures> Versions,
    IReadOnlyList<ModelFigures> Models,
    IReadOnlyList<FailureCount> Failures,
    IReadOnlyList<DayFigures> Daily,
    bool Truncated)
{
    public static WorkflowRecord Of(string workflow, RecordWindow window, DateTime since, IReadOnlyList<FinishedRun> runs, bool truncated) =>
        new(
            workflow,
            window.Name,
            since,
            RecordFigures.Of(runs),
            runs.GroupBy(r => r.Version, StringComparer.Ordinal)
                .Select(g => new VersionFigures(g.Key, g.Min(r => r.FinishedAt), g.Max(r => r.FinishedAt), RecordFigures.Of(g.ToList())))
                .OrderByDescending(v => v.LastFinished)
                .ToList(),
            runs.SelectMany(r => r.Models.Select(m => (Run: r, Use: m)))
                .GroupBy(x => x.Use.Model, StringComparer.Ordinal)
                .Select(g => new ModelFigures(
                    g.Key, g.Select(x => x.Run.InstanceId).Distinct(StringComparer.Ordinal).Count(),
                    g.Sum(x => (long)x.Use.PromptTokens), g.Sum(x => (long)x.Use.CompletionTokens),
                    g.Any(x => x.Use.Cost is not null) ? g.Sum(x => x.Use.Cost ?? 0) : null,
                    RecordFigures.Rate(g.Select(x => x.Run).DistinctBy(r => r.InstanceId).ToList())))
                .OrderByDescending(m => m.Runs)
                .ToList(),
            runs.Where(r => r.Outcome == RunOutcomes.Failed)
                .GroupBy(r => (Step: r.FailedStep ?? "", Reason: r.FailureReason ?? ""))
                .Select(g => new FailureCount(g.Key.Step, g.Key.Reason, g.Count()))
                .OrderByDescending(f => f.Count)
                .ToList(),
            runs.GroupBy(r => (Day: DateOnly.FromDateTime(r.FinishedAt), r.Version))
                .Select(g => new DayFigures(g.Key.Day, g.Key.Version, g.Count(), RecordFigures.Rate(g.ToList()), RecordFigures.Sum(g.Select(r => r.Cost))))
                .OrderBy(d => d.Day)
                .ThenBy(d => d.Version, StringComparer.Ordinal)
                .ToList(),
            truncated);
}

/// <param name="DoneRate">Share of finished runs that met the definition of done (a failed run did not).</param>
/// <param name="FailureRate">Share of finished runs that failed before their end.</param>
/// <param name="EscalationRate">Share of gates that moved past their first level.</param>
public sealed record RecordFigures(
    int Runs,
    int Succeeded,
    int FailedCriteria,
    int Failed,
    double? DoneRate,
    double? FailureRate,
    double? ApprovalP50Seconds,
    double? ApprovalP95Seconds,
    double? EscalationRate,
    double? TokensPerRun,
    decimal? CostPerRun,
    decimal? Cost)
{
    public static RecordFigures Of(IReadOnlyList<FinishedRun> runs)
    {
        double[] latencies = runs.SelectMany(r => r.ApprovalLatencies).Order().ToArray();
        int gates = runs.Sum(r => r.Gates);
        decimal? cost = Sum(runs.Select(r => r.Cost));
        return new RecordFigures(
            runs.Count,
            runs.Count(r => r.Outcome == RunOutcomes.Succeeded),
            runs.Count(r => r.Outcome == RunOutcomes.FailedCriteria),
            runs.Count(r => r.Outcome == RunOutcomes.Failed),
            Rate(runs),
            runs.Count == 0 ? null : Math.Round((double)runs.Count(r => r.Outcome == RunOutcomes.Failed) / runs.Count, 4),
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.95),
            gates == 0 ? null : Math.Round((double)runs.Sum(r => r.EscalatedGates) / gates, 4),
            runs.Count == 0 ? null : Math.Round(runs.Average(r => (double)(r.PromptTokens + r.CompletionTokens)), 1),
            cost is decimal total && runs.Count > 0 ? decimal.Round(total / runs.Count, 6) : null,
            cost);
    }

    public static double? Rate(IReadOnlyList<FinishedRun> runs) =>
        runs.Count == 0 ? null : Math.Round((double)runs.Count(r => r.Outcome == RunOutcomes.Succeeded) / runs.Count, 4);

    /// <summary>Null when no run was priced, so "free" and "unknown" are told apart.</summary>
    public static decimal? Sum(IEnumerable<decimal?> costs)
    {
        var priced = costs.OfType<decimal>().ToList();
        return priced.Count == 0 ? null : priced.Sum();
    }

    /// <summary>Nearest rank over sorted values.</summary>
    static double? Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? null : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 3);
}

public sealed record VersionFigures(string Version, DateTime FirstFinished, DateTime LastFinished, RecordFigures Figures);

public sealed record ModelFigures(string Model, int Runs, long PromptTokens, long CompletionTokens, decimal? Cost, double? DoneRate);

public sealed record FailureCount(string Step, string Reason, int Count);

public sealed record DayFigures(DateOnly Day, string Version, int Runs, double? DoneRate, decimal? Cost);

/// <summary>The windows the live record is kept for.</summary>
public sealed record RecordWindow(string Name, TimeSpan Length)
{
    public static readonly RecordWindow Day = new("24h", TimeSpan.FromHours(24));
    public static readonly RecordWindow Week = new("7d", TimeSpan.FromDays(7));

    public static RecordWindow? Parse(string? text) =>
        text switch
        {
            null or "" or "24h" => Day,
            "7d" => Week,
            _ => null,
        };
}
