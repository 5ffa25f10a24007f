using StreamCanvas.Definitions;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Definitions;

/// <summary>A schedule that cannot fire as written stops startup with its file and pointer, like every other load error.</summary>
public sealed class ScheduleDefinitionTests
{
    [Fact]
    public void Load_ValidSchedule_KeepsItWithDefaults()
    {
        LoadedWorkflow workflow = TestDefinitions.Load(TestDefinitions.Scheduled("""{ "cron": "0 6 * * *", "input": { "topic": "news" } }"""));

        WorkflowSchedule schedule = workflow.Definition.Schedule!;
        Assert.Equal(("0 6 * * *", "UTC", MissedPolicies.Skip, "news"), (schedule.Cron, schedule.TimeZone, schedule.Missed, schedule.Input["topic"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("""{ "cron": "0 25 * * *" }""", "/schedule/cron", "not a valid cron expression")]
    [InlineData("""{ "cron": "every day" }""", "/schedule/cron", "not a valid cron expression")]
    [InlineData("""{ "cron": "0 6 * * *", "timeZone": "Mars/Olympus_Mons" }""", "/schedule/timeZone", "unknown time zone 'Mars/Olympus_Mons'")]
    [InlineData("""{ "cron": "0 6 * * *", "input": { "score": "high" } }""", "/schedule/input/score", "")]
    [InlineData("""{ "cron": "0 6 * * *", "missed": "all" }""", "/schedule/missed", "")]
    [InlineData("""{ "timeZone": "UTC" }""", "/schedule/cron", "is required")]
    [InlineData("""{ "cron": "0 6 * * *", "every": "day" }""", "/schedule/every", "is not a known property here")]
    public void Load_InvalidSchedule_NamesFileAndPointer(string schedule, string pointer, string problem)
    {
        var error = Assert.Throws<WorkflowDefinitionException>(() => DefinitionLoader.Load("workflows/scheduled.json", TestDefinitions.Scheduled(schedule)));

        Assert.Contains(error.Errors, e => e.Pointer == pointer && e.Message.Contains(problem, StringComparison.Ordinal));
        Assert.Contains("workflows/scheduled.json#" + pointer, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_InputMissingARequiredField_PointsIntoTheScheduleInput()
    {
        string json = TestDefinitions.Scheduled("""{ "cron": "@daily", "input": {} }""")
            .Replace("\"properties\": { \"topic\"", "\"required\": [\"topic\"], \"properties\": { \"topic\"", StringComparison.Ordinal);

        var error = Assert.Throws<WorkflowDefinitionException>(() => DefinitionLoader.Load("x.json", json));

        Assert.Contains(new DefinitionError("/schedule/input/topic", "is required"), error.Errors);
    }

    [Fact]
    public void LoadDirectory_DailyDigestSample_IsScheduledWithAValidInput()
    {
        WorkflowSchedule schedule = DefinitionLoader.LoadDirectory(RepoPaths.Workflows).Find("daily-digest")!.Definition.Schedule!;

        Assert.Equal(("Europe/Berlin", MissedPolicies.RunOnce), (schedule.TimeZone, schedule.Missed));
        Assert.NotNull(ScheduleOccurrences.Next(schedule, DateTimeOffset.UnixEpoch));
    }
}
