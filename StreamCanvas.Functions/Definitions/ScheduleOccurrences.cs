using Cronos;

namespace StreamCanvas.Definitions;

/// <summary>
/// Occurrence math for schedules, pure (no clock: "now" is an argument), so the schedule orchestrator can run it on
/// its replay-safe time and the Functions timer on the injected clock, with the same answers.
/// </summary>
public static class ScheduleOccurrences
{
    /// <summary>
    /// How late an occurrence may be noticed and still count as on time: the Functions timer ticks once a minute and
    /// a durable timer fires a little after its time on a busy host. Later than this it was missed (a host was down).
    /// </summary>
    public static TimeSpan OnTimeWithin { get; } = TimeSpan.FromMinutes(5);

    /// <summary>Parses a cron of five fields, or six with seconds first; throws <see cref="CronFormatException"/>.</summary>
    public static CronExpression ParseCron(string cron) =>
        CronExpression.Parse(cron.Trim(), cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);

    /// <summary>The IANA (or Windows) time zone, or null when this machine does not know it.</summary>
    public static TimeZoneInfo? FindTimeZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, in UTC; null when the cron never fires again.</summary>
    public static DateTimeOffset? Next(WorkflowSchedule schedule, DateTimeOffset after) =>
        ParseCron(schedule.Cron).GetNextOccurrence(after.UtcDateTime, Zone(schedule)) is { } next ? new DateTimeOffset(next, TimeSpan.Zero) : null;

    /// <summary>
    /// The occurrence to start now, given that every occurrence up to <paramref name="handledThrough"/> was dealt with:
    /// the latest one since, when it is on time; when it is late (missed), the latest one under
    /// <see cref="MissedPolicies.RunOnce"/> and none under <see cref="MissedPolicies.Skip"/>. Earlier missed
    /// occurrences never start: one late run stands for all of them.
    /// </summary>
    public static DateTimeOffset? Due(WorkflowSchedule schedule, DateTimeOffset handledThrough, DateTimeOffset now)
    {
        if (now <= handledThrough)
        {
            return null;
        }

        DateTime? latest = null;
        foreach (DateTime occurrence in ParseCron(schedule.Cron).GetOccurrences(handledThrough.UtcDateTime, now.UtcDateTime, Zone(schedule), fromInclusive: false, toInclusive: true))
        {
            latest = occurrence;
        }

        if (latest is not { } due)
        {
            return null;
        }

        var occurrenceUtc = new DateTimeOffset(due, TimeSpan.Zero);
        bool onTime = now - occurrenceUtc <= OnTimeWithin;
        return onTime || schedule.Missed == MissedPolicies.RunOnce ? occurrenceUtc : null;
    }

    static TimeZoneInfo Zone(WorkflowSchedule schedule) =>
        FindTimeZone(schedule.TimeZone) ?? throw new InvalidOperationException($"unknown time zone '{schedule.TimeZone}'");
}
