using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;

namespace StreamCanvas.Tests.Orchestration;

/// <summary>
/// Approval deadlines longer than the Azure Storage provider's timer limit (scheduled queue messages: 7 days)
/// are chained timers. Checked by reading the timers the run scheduled in the task hub's history table.
/// </summary>
public sealed class LongWaitTests
{
    [Fact]
    public async Task ThirtyDayApprovalDeadline_IsScheduledAsChainedTimersWithinTheProviderLimit()
    {
        string taskHub = SharedAzurite.NewTaskHub("wait");
        await using var host = await StandaloneHostProcess.StartAsync(
            new Dictionary<string, string> { ["TaskHubName"] = taskHub },
            Path.Combine(AppContext.BaseDirectory, "TestWorkflows"));

        string id = (await host.StartRunAsync("long-approval", new { topic = "budget" }))["instanceId"]!.GetValue<string>();
        JsonObject gate = await WaitForGateAsync(host, id);
        List<DateTime> timers = await ScheduledTimersAsync(taskHub, id);

        DateTime opened = gate["openedAt"]!.GetValue<DateTime>().ToUniversalTime();
        Assert.Equal(TimeSpan.FromDays(30), gate["deadline"]!.GetValue<DateTime>().ToUniversalTime() - opened);
        Assert.NotEmpty(timers);
        Assert.All(timers, fireAt => Assert.InRange(fireAt - opened, TimeSpan.Zero, TimeSpan.FromDays(3) + TimeSpan.FromMinutes(1)));

        using HttpResponseMessage terminated = await host.Http.PostAsync($"api/runs/{Uri.EscapeDataString(id)}/terminate", null);
        Assert.True(terminated.IsSuccessStatusCode);
    }

    static async Task<JsonObject> WaitForGateAsync(StandaloneHostProcess host, string id)
    {
        for (int i = 0; i < 200; i++)
        {
            JsonObject run = (await host.Http.GetFromJsonAsync<JsonObject>($"api/runs/{Uri.EscapeDataString(id)}"))!;
            if (run["gate"] is JsonObject gate)
            {
                return gate;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the gate never opened");
    }

    /// <summary>FireAt of every TimerCreated event in the provider's history table, once the first is written.</summary>
    static async Task<List<DateTime>> ScheduledTimersAsync(string taskHub, string instanceId)
    {
        var table = new TableClient((await SharedAzurite.GetAsync()).ConnectionString, taskHub + "History");
        for (int i = 0; i < 200; i++)
        {
            var timers = new List<DateTime>();
            await foreach (TableEntity row in table.QueryAsync<TableEntity>(e => e.PartitionKey == instanceId))
            {
                if (row.GetString("EventType") == "TimerCreated" && row.GetDateTimeOffset("FireAt") is { } fireAt)
                {
                    timers.Add(fireAt.UtcDateTime);
                }
            }

            if (timers.Count > 0)
            {
                return timers;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("no timer was written to the history table");
    }
}
