using System.Text.Json.Nodes;

namespace StreamCanvas.Definitions;

/// <summary>
/// When runs start by themselves: a cron expression read in a time zone, the input each run starts with, and what
/// to do about occurrences that passed while no host was running.
/// </summary>
public sealed record WorkflowSchedule
{
    /// <summary>Five fields (minute hour day month weekday), or six with seconds first; macros such as "@daily" too.</summary>
    public required string Cron { get; init; }

    /// <summary>IANA time zone id the cron is read in, so "0 7 * * *" stays 07:00 local across daylight saving changes.</summary>
    public string TimeZone { get; init; } = "UTC";

    public JsonObject Input { get; init; } = [];

    /// <summary><see cref="MissedPolicies.Skip"/> or <see cref="MissedPolicies.RunOnce"/>.</summary>
    public string Missed { get; init; } = MissedPolicies.Skip;
}

/// <summary>What a schedule does with occurrences it could not start on time (every host was down).</summary>
public static class MissedPolicies
{
    /// <summary>Start none of them; the next occurrence runs as usual.</summary>
    public const string Skip = "skip";

    /// <summary>Start one run, for the latest of them, as soon as a host is back.</summary>
    public const string RunOnce = "runOnce";
}
