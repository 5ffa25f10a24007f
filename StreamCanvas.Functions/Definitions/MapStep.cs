using System.Globalization;
using System.Text.Json.Nodes;

namespace StreamCanvas.Definitions;

/// <summary>
/// Runs <see cref="Steps"/> once per item of the array at <see cref="Items"/>, at most <see cref="MaxConcurrency"/>
/// at a time. Inside, "item" and "index" are readable paths. The output is { "results": [...] in item order,
/// "items": [ { "status", "reason", "message" } ], "succeeded": n, "failed": n }.
/// </summary>
public sealed record MapStep : WorkflowStep
{
    /// <summary>Bounds one step's fan-out; beyond it a workflow should split its input.</summary>
    public const int MaxItems = 10_000;

    public const int DefaultMaxConcurrency = 10;

    /// <summary>A state path to an array, e.g. steps.split.output.sections.</summary>
    public required string Items { get; init; }

    public required IReadOnlyList<WorkflowStep> Steps { get; init; }

    public int MaxConcurrency { get; init; } = DefaultMaxConcurrency;

    /// <summary>
    /// Up to this many items run in the run's own orchestration; more are split into chunks of this size, each a
    /// sub-orchestration, so no history grows with the item count. Lower it for bodies with many steps per item.
    /// </summary>
    public int ItemsPerChunk { get; init; } = DefaultItemsPerChunk;

    /// <summary>
    /// Every activity adds two events to an orchestration's history, the whole history is loaded and replayed at each
    /// step, and the Azure Storage provider slows down sharply past a few thousand events: 100 items of a few steps
    /// keep each history in the hundreds of events, and the parent's at two events per chunk.
    /// </summary>
    public const int DefaultItemsPerChunk = 100;

    /// <summary>How many items may fail before the step fails: a count (3) or a percent of the items ("10%").</summary>
    public JsonNode? TolerateFailures { get; init; }

    /// <summary>How many failed items <paramref name="itemCount"/> items tolerate.</summary>
    public int ToleratedFailures(int itemCount) => FailureTolerance.Parse(TolerateFailures) switch
    {
        (int count, false) => count,
        (int percent, true) => itemCount * percent / 100,
        _ => 0,
    };
}

public static class FailureTolerance
{
    /// <summary>(value, isPercent), or null when the node is neither a count nor "n%".</summary>
    public static (int Value, bool Percent)? Parse(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return node is null ? (0, false) : null;
        }

        if (value.TryGetValue(out int count))
        {
            return count >= 0 ? (count, false) : null;
        }

        if (value.TryGetValue(out string? text) && text.EndsWith('%') &&
            int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int percent) && percent <= 100)
        {
            return (percent, true);
        }

        return null;
    }
}
