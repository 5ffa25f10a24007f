using Cronos;
using Json.Schema;

namespace StreamCanvas.Definitions;

/// <summary>A schedule's load errors: its cron parses, its time zone exists, its input is a valid start of the workflow.</summary>
public static class ScheduleChecks
{
    public const string At = "/schedule";

    public static IEnumerable<DefinitionError> Check(WorkflowSchedule schedule)
    {
        string? cronProblem = null;
        try
        {
            ScheduleOccurrences.ParseCron(schedule.Cron);
        }
        catch (CronFormatException ex)
        {
            cronProblem = ex.Message;
        }

        if (cronProblem is not null)
        {
            yield return new($"{At}/cron", $"not a valid cron expression (5 fields, or 6 with seconds first): {cronProblem}");
        }

        if (ScheduleOccurrences.FindTimeZone(schedule.TimeZone) is null)
        {
            yield return new($"{At}/timeZone", $"unknown time zone '{schedule.TimeZone}': use an IANA id such as 'Europe/Berlin'");
        }
    }

    /// <summary>Checked once the workflow's input schema is built, so a scheduled start can never be refused for its input.</summary>
    public static IEnumerable<DefinitionError> InputErrors(WorkflowSchedule schedule, JsonSchema inputSchema) =>
        DefinitionLoader.SchemaErrors(inputSchema, schedule.Input).Select(e => e with { Pointer = $"{At}/input{e.Pointer}" });
}
