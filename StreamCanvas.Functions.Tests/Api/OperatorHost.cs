using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace StreamCanvas.Tests.Api;

/// <summary>One standalone process shared by the operator API tests (they run one after another in their class).</summary>
public sealed class OperatorHost : IAsyncLifetime
{
    public const string SummaryText = "Durable Functions is an extension of Azure Functions that lets you write stateful functions in a serverless environment.";

    StandaloneHostProcess? host;

    public StandaloneHostProcess Host => host!;
    public HttpClient Http => Host.Http;

    public async Task InitializeAsync() => host = await StandaloneHostProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }

    public async Task<string> CompletedSummaryAsync(string title)
    {
        JsonObject started = await Host.StartRunAsync("document-summary", new { title, text = SummaryText });
        string id = started["instanceId"]!.GetValue<string>();
        await Host.WaitForRunAsync(id);
        return id;
    }

    /// <summary>A content-publishing run, left waiting at its approval gate.</summary>
    public async Task<string> WaitingAtGateAsync(string topic)
    {
        JsonObject started = await Host.StartRunAsync("content-publishing", new { topic, audience = "developers" });
        string id = started["instanceId"]!.GetValue<string>();
        await WaitForAsync(id, run => run["state"]?.GetValue<string>() == "waiting-for-approval");
        return id;
    }

    public async Task<JsonObject> WaitForAsync(string id, Func<JsonObject, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        JsonObject? run = null;
        while (DateTime.UtcNow < deadline)
        {
            run = await Http.GetFromJsonAsync<JsonObject>(RunUrl(id));
            if (run is not null && condition(run))
            {
                return run;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"run {id} never reached the expected state; last {run?.ToJsonString()}\n{Host.Output}");
    }

    public static string RunUrl(string id, string suffix = "") => $"api/runs/{Uri.EscapeDataString(id)}{suffix}";
}
