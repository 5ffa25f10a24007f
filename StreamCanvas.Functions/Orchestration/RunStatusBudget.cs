using System.Runtime.CompilerServices;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

/// <summary>
/// Keeps a run's custom status small enough for every host. Durable Functions fails an orchestration whose custom
/// status exceeds 16 KB of UTF-16 (8,192 characters), and Azure Storage cannot store more than 32K characters in
/// the column at all, so the status is fitted well below both: the newest timeline entries that fit are kept,
/// the failure message is shortened (the run's failure details keep it whole), and a large approval snapshot is
/// stored beside the run instead (see <see cref="ApprovalGate"/>).
/// </summary>
public static class RunStatusBudget
{
    /// <summary>The most characters a published status takes, measured as System.Text.Json writes it (non-ASCII escaped, so an upper bound).</summary>
    public const int MaxStatusChars = 6_000;

    /// <summary>A snapshot longer than this is stored beside the run rather than in its status.</summary>
    public const int MaxInlineSnapshotChars = 1_500;

    public const int MaxFailureMessageChars = 1_000;

    // Records never change once added, and a run republishes its status at every step of every replay.
    static readonly ConditionalWeakTable<StepRecord, StrongBox<int>> RecordSizes = new();

    public static int Measure<T>(T value) => JsonSize.Of(value);

    static int MeasuredOnce(StepRecord record) => RecordSizes.GetValue(record, r => new StrongBox<int>(Measure(r))).Value;

    /// <summary>The status with as much of the timeline's tail as fits (at most <see cref="RunStatus.MaxPublishedSteps"/> entries).</summary>
    public static RunStatus Fit(RunStatus status, IReadOnlyList<StepRecord> timeline)
    {
        if (status.Failure is { Message.Length: > MaxFailureMessageChars } failure)
        {
            status = status with { Failure = failure with { Message = failure.Message[..MaxFailureMessageChars] + "…" } };
        }

        int room = MaxStatusChars - Measure(status with { Timeline = [], EarlierSteps = timeline.Count });
        int first = timeline.Count;
        while (first > 0 && timeline.Count - first < RunStatus.MaxPublishedSteps)
        {
            int size = MeasuredOnce(timeline[first - 1]) + 1;
            if (size > room)
            {
                break;
            }

            room -= size;
            first--;
        }

        return status with { Timeline = timeline.Skip(first).ToList(), EarlierSteps = first };
    }
}
