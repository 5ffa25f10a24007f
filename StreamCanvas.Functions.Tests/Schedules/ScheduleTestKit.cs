using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamCanvas.Definitions;
using StreamCanvas.Schedules;
using StreamCanvas.Starts;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Schedules;

/// <summary>The schedule services as the hosts wire them, over a test catalog, in-memory rows and a given clock.</summary>
public static class ScheduleTestKit
{
    /// <summary>A workflow with its own name (other tests' runs share the host's static telemetry), on 07:00 Berlin time.</summary>
    public static LoadedWorkflow Workflow(string missed = MissedPolicies.Skip, string cron = "0 7 * * *", string zone = "Europe/Berlin") =>
        TestDefinitions.Load(TestDefinitions.Scheduled(
            $$"""{ "cron": "{{cron}}", "timeZone": "{{zone}}", "input": { "topic": "digest" }, "missed": "{{missed}}" }""",
            name: "sched-" + Guid.NewGuid().ToString("N")[..8]));

    public static ScheduledStarts OccurrenceStarts(WorkflowCatalog catalog, IScheduleStates states) =>
        new(catalog, new RunStarter(catalog, new GrantingStartClaims(), NullLogger<RunStarter>.Instance), states, NullLogger<ScheduledStarts>.Instance);

    public static DueOccurrences Due(WorkflowCatalog catalog, IScheduleStates states, TimeProvider clock, bool enabled = true) =>
        new(catalog, states, OccurrenceStarts(catalog, states), Options.Create(new ScheduleOptions { Enabled = enabled }), clock, NullLogger<DueOccurrences>.Instance);

    public static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The ids of every run of the workflow on the task hub.</summary>
    public static async Task<List<string>> RunIdsAsync(DurableTaskClient client, string workflow)
    {
        var ids = new List<string>();
        await foreach (OrchestrationMetadata run in client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = workflow + RunIds.Separator }))
        {
            ids.Add(run.InstanceId);
        }

        return ids;
    }
}
