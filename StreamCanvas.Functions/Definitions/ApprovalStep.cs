using System.Xml;

namespace StreamCanvas.Definitions;

/// <summary>
/// A person between the model and production: the reviewer sees <see cref="Context"/>, confirms
/// <see cref="Criteria"/>, and decides; unanswered levels escalate up <see cref="Escalation"/>.
/// </summary>
public sealed record ApprovalStep : WorkflowStep
{
    /// <summary>State paths (input.x, steps.y.output.z) captured as the snapshot the reviewer approves.</summary>
    public required IReadOnlyList<string> Context { get; init; }

    /// <summary>The checklist the reviewer confirms item by item.</summary>
    public IReadOnlyList<string> Criteria { get; init; } = [];

    public required IReadOnlyList<EscalationLevel> Escalation { get; init; }

    /// <summary>What happens when the last level times out: reject, approve, or fail ("approval-timeout").</summary>
    public string OnTimeout { get; init; } = TimeoutActions.Fail;

    /// <summary>Where "request changes" sends the run, with the reviewer's comment as input.</summary>
    public RequestChangesPolicy? RequestChanges { get; init; }

    /// <summary>Where a rejection sends the run; without it a rejection fails the run ("approval-rejected").</summary>
    public string? OnReject { get; init; }

}

public sealed record EscalationLevel
{
    public required string Name { get; init; }
    public IReadOnlyList<string> Approvers { get; init; } = [];
    public string? Group { get; init; }

    /// <summary>ISO 8601 duration, e.g. PT4H or P30D.</summary>
    public required string Timeout { get; init; }

    /// <summary>ISO 8601 durations after the level opens at which reminders go out.</summary>
    public IReadOnlyList<string> Reminders { get; init; } = [];

    /// <summary>Name of a configured notification webhook (Approvals:Webhooks:&lt;name&gt;).</summary>
    public string? Notify { get; init; }

    public TimeSpan TimeoutSpan => Durations.Parse(Timeout);
}

public sealed record RequestChangesPolicy(string Goto, int MaxRounds = 3);

public static class TimeoutActions
{
    public const string Reject = "reject";
    public const string Approve = "approve";
    public const string Fail = "fail";
}

public static class Durations
{
    /// <summary>Parses an ISO 8601 duration (PT30S, PT4H, P30D).</summary>
    public static TimeSpan Parse(string iso8601) => XmlConvert.ToTimeSpan(iso8601);

    public static bool TryParse(string? iso8601, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(iso8601))
        {
            return false;
        }

        try
        {
            value = Parse(iso8601);
            return value > TimeSpan.Zero;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
