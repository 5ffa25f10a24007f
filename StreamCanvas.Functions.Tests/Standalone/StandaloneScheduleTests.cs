using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Standalone;

/// <summary>
/// The schedule loop on the real stack (sidecar, Azure Storage provider, Azurite): a host with schedules on starts its
/// loop, each occurrence of a near-term cron becomes one run, and the loop never lists as a run.
/// </summary>
public sealed partial class StandaloneScheduleTests
{
    [GeneratedRegex(@"^ticker:s-\d{8}T\d{6}Z$")]
    private static partial Regex OccurrenceRunId();

    [Fact]
    public async Task Host_SchedulesEnabled_StartsOneRunPerOccurrenceAndListsNoLoop()
    {
        string folder = Directory.CreateTempSubdirectory("scheduled-workflows").FullName;
        try
        {
            await RunTickerAsync(folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    static async Task RunTickerAsync(string folder)
    {
        await File.WriteAllTextAsync(Path.Combine(folder, "ticker.json"),
            TestDefinitions.Scheduled("""{ "cron": "*/3 * * * * *", "input": { "topic": "tick" } }""", name: "ticker"));
        await using StandaloneHostProcess host = await StandaloneHostProcess.StartAsync(new Dictionary<string, string> { ["Schedules__Enabled"] = "true" }, folder);

        List<string> runs = [];
        for (DateTime deadline = DateTime.UtcNow.AddMinutes(3); runs.Count < 2; await Task.Delay(500))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no two scheduled runs within the cap\n{host.Output}");
            runs = Ids(await host.Http.GetFromJsonAsync<JsonObject>("api/runs?workflow=ticker"));
        }

        Assert.All(runs, id => Assert.Matches(OccurrenceRunId(), id));
        Assert.Equal(runs.Count, runs.Distinct().Count());
        Assert.DoesNotContain(Ids(await host.Http.GetFromJsonAsync<JsonObject>("api/runs")), id => id.Contains("~schedule~", StringComparison.Ordinal));
        JsonNode schedule = (await host.Http.GetFromJsonAsync<JsonObject>("api/schedules"))!["schedules"]![0]!;
        Assert.Matches(OccurrenceRunId(), schedule["lastRunId"]!.GetValue<string>());
        Assert.Equal("Completed", (await host.WaitForRunAsync(runs[0]))["runtimeStatus"]!.GetValue<string>());
    }

    static List<string> Ids(JsonObject? list) => [.. list!["runs"]!.AsArray().Select(r => r!["instanceId"]!.GetValue<string>())];
}
