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

    /// <summary>
    /// The most characters the turns of agent steps in flight take together (a turn with a tool call is a few
    /// hundred: arguments are already cut to 200), so the timeline keeps most of the room.
    /// </summary>
    public const int MaxAgentTurnsChars = 2_000;

    // Records never change once added, and a run republishes its status at every step of every replay.
    static readonly ConditionalWeakTable<StepRecord, StrongBox<int>> RecordSizes = new();

    public static int Measure<T>(T value) => JsonSize.Of(value);

    static int MeasuredOnce(StepRecord record) => RecordSizes.GetValue(record, r => new StrongBox<int>(Measure(r))).Value;

    /// <summary>
    /// An agent's newest turns that fit its share of <see cref="MaxAgentTurnsChars"/> (shared by the
    /// <paramref name="agents"/> in flight). Copied, since the loop keeps adding tool calls to its current turn.
    /// </summary>
    public static AgentInFlight FitTurns(string stepId, IReadOnlyList<AgentTurnRecord> turns, int agents)
    {
        int room = MaxAgentTurnsChars / Math.Max(1, agents);
        var kept = new List<AgentTurnRecord>();
        for (int i = turns.Count - 1; i >= 0; i--)
        {
            AgentTurnRecord turn = turns[i] with { ToolCalls = [.. turns[i].ToolCalls] };
            room -= Measure(turn) + 1;
            if (room < 0)
            {
                break;
            }

            kept.Insert(0, turn);
        }

        return new AgentInFlight(stepId, kept, turns.Count - kept.Count);
    }

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
