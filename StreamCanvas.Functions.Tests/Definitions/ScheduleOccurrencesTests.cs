using StreamCanvas.Definitions;

namespace StreamCanvas.Tests.Definitions;

/// <summary>The pure occurrence math both hosts share: "now" is always an argument, so no test waits for a clock.</summary>
public sealed class ScheduleOccurrencesTests
{
    static WorkflowSchedule Daily(string cron = "0 7 * * *", string zone = "Europe/Berlin", string missed = MissedPolicies.Skip) =>
        new() { Cron = cron, TimeZone = zone, Missed = missed };

    static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Next_AcrossTheSpringDaylightSavingChange_KeepsTheLocalHour()
    {
        // Berlin moves from UTC+1 to UTC+2 on 29 March 2026: 07:00 local is 06:00 UTC before, 05:00 UTC after.
        Assert.Equal(Utc("2026-03-28T06:00:00Z"), ScheduleOccurrences.Next(Daily(), Utc("2026-03-27T12:00:00Z")));
        Assert.Equal(Utc("2026-03-29T05:00:00Z"), ScheduleOccurrences.Next(Daily(), Utc("2026-03-28T12:00:00Z")));
    }

    [Fact]
    public void Next_AnotherTimeZone_ReadsTheCronThere()
    {
        // New York is UTC-5 in December.
        Assert.Equal(Utc("2026-12-03T12:00:00Z"), ScheduleOccurrences.Next(Daily(zone: "America/New_York"), Utc("2026-12-02T13:00:00Z")));
        Assert.Equal(Utc("2026-12-03T07:00:00Z"), ScheduleOccurrences.Next(Daily(zone: "UTC"), Utc("2026-12-02T13:00:00Z")));
    }

    [Fact]
    public void Next_SixFields_ReadsSecondsFirst()
    {
        Assert.Equal(Utc("2026-12-02T13:00:10Z"), ScheduleOccurrences.Next(Daily("*/10 * * * * *", "UTC"), Utc("2026-12-02T13:00:01Z")));
    }

    [Fact]
    public void Due_OccurrenceNoticedOnTime_StartsIt()
    {
        DateTimeOffset? due = ScheduleOccurrences.Due(Daily(), handledThrough: Utc("2026-12-03T05:59:00Z"), now: Utc("2026-12-03T06:00:40Z"));

        Assert.Equal(Utc("2026-12-03T06:00:00Z"), due);
    }

    [Fact]
    public void Due_NoOccurrenceSinceHandled_StartsNothing()
    {
        Assert.Null(ScheduleOccurrences.Due(Daily(), Utc("2026-12-03T06:00:40Z"), Utc("2026-12-03T06:01:40Z")));
        Assert.Null(ScheduleOccurrences.Due(Daily(), Utc("2026-12-03T06:01:40Z"), Utc("2026-12-03T06:01:40Z")));
    }

    [Fact]
    public void Due_ThreeOccurrencesMissedWhileDown_SkipStartsNone()
    {
        DateTimeOffset? due = ScheduleOccurrences.Due(Daily(missed: MissedPolicies.Skip), Utc("2026-12-01T05:00:00Z"), Utc("2026-12-04T09:00:00Z"));

        Assert.Null(due);
    }

    [Fact]
    public void Due_ThreeOccurrencesMissedWhileDown_RunOnceStartsTheLatest()
    {
        DateTimeOffset? due = ScheduleOccurrences.Due(Daily(missed: MissedPolicies.RunOnce), Utc("2026-12-01T05:00:00Z"), Utc("2026-12-04T09:00:00Z"));

        Assert.Equal(Utc("2026-12-04T06:00:00Z"), due);
    }

    [Fact]
    public void Due_LateByLessThanTheGrace_IsOnTimeEvenUnderSkip()
    {
        DateTimeOffset now = Utc("2026-12-03T06:00:00Z") + ScheduleOccurrences.OnTimeWithin;

        Assert.Equal(Utc("2026-12-03T06:00:00Z"), ScheduleOccurrences.Due(Daily(), Utc("2026-12-03T05:00:00Z"), now));
        Assert.Null(ScheduleOccurrences.Due(Daily(), Utc("2026-12-03T05:00:00Z"), now.AddSeconds(1)));
    }

    [Fact]
    public void RunIds_ForOccurrence_IsTheWorkflowAndTheUtcTime()
    {
        // The same instant written in another offset names the same run.
        Assert.Equal("daily-digest:s-20261203T060000Z", RunIds.ForOccurrence("daily-digest", Utc("2026-12-03T07:00:00+01:00")));
        Assert.Equal("daily-digest", RunIds.WorkflowOf(RunIds.ForOccurrence("daily-digest", Utc("2026-12-03T06:00:00Z"))));
    }
}
