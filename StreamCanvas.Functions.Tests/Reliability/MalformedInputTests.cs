using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Reliability;

/// <summary>
/// Every public route fed bad JSON, wrong types, huge bodies, unknown ids, wrong keys and path tricks on the real
/// standalone process: each answer is a 4xx problem+json, never a 500, and a run in flight is unaffected.
/// </summary>
[Collection(ReliabilitySuite.Name)]
public sealed class MalformedInputTests
{
    const string Json = "application/json";

    [Fact]
    public async Task EveryPublicRoute_MalformedRequests_Answer4xxProblemJsonAndRunsAreUnaffected()
    {
        await using var host = await StandaloneHostProcess.StartAsync(workflowsPath: Path.Combine(AppContext.BaseDirectory, "TestWorkflows"));
        JsonObject started = await host.StartRunAsync("approval-gate", new { title = "steady" });
        string id = started["instanceId"]!.GetValue<string>();

        // The run is waiting at its gate before the bad requests start, so "unaffected" means still waiting there.
        await GateDecisions.PendingGateAsync(host.Http, id);
        string huge = "{\"title\":\"" + new string('x', 2 * 1024 * 1024) + "\"}";

        var requests = new List<(string Name, Func<HttpRequestMessage> Make)>
        {
            ("bad json", () => Post("api/workflows/approval-gate/runs", "{\"title\": ", Json)),
            ("json array", () => Post("api/workflows/approval-gate/runs", "[1,2]", Json)),
            ("wrong type", () => Post("api/workflows/approval-gate/runs", "{\"title\": 42}", Json)),
            ("not json content type", () => Post("api/workflows/approval-gate/runs", "title=x", "text/plain")),
            ("empty body", () => Post("api/workflows/approval-gate/runs", "", Json)),
            ("huge body", () => Post("api/workflows/approval-gate/runs", huge, Json)),
            ("deep nesting", () => Post("api/workflows/approval-gate/runs", new string('[', 5000) + new string(']', 5000), Json)),
            ("unknown workflow", () => Post("api/workflows/nope/runs", "{}", Json)),
            ("workflow path traversal", () => Post("api/workflows/..%2F..%2Fetc/runs", "{}", Json)),
            ("workflow dot dot", () => Post("api/workflows/%2E%2E/runs", "{}", Json)),
            ("bad client instance id", () => Post("api/workflows/approval-gate/runs?instanceId=../../etc", "{\"title\":\"a\"}", Json)),
            ("too long idempotency key", () => Post("api/workflows/approval-gate/runs", "{\"title\":\"a\"}", Json, ("Idempotency-Key", new string('k', 300)))),
            ("wrong operator key", () => WithKey(new HttpRequestMessage(HttpMethod.Get, "api/workflows"), "wrong")),
            ("no operator key", () => WithKey(new HttpRequestMessage(HttpMethod.Get, "api/runs"), null)),
            ("operator key in a query", () => WithKey(new HttpRequestMessage(HttpMethod.Get, "api/runs?code=../../etc"), null)),
            ("unknown run", () => new HttpRequestMessage(HttpMethod.Get, "api/runs/approval-gate:nope")),
            ("run id path traversal", () => new HttpRequestMessage(HttpMethod.Get, "api/runs/..%2F..%2Fetc")),
            ("run id with table-key characters", () => new HttpRequestMessage(HttpMethod.Get, "api/runs/a%23b%3Fc%5Cd")),
            ("run id control character", () => new HttpRequestMessage(HttpMethod.Get, "api/runs/a%01b")),
            ("huge run id", () => new HttpRequestMessage(HttpMethod.Get, "api/runs/" + new string('r', 2000))),
            ("unknown run history", () => new HttpRequestMessage(HttpMethod.Get, "api/runs/x:y/history")),
            ("history with table-key characters", () => new HttpRequestMessage(HttpMethod.Get, "api/runs/a%2Fb%23/history")),
            ("terminate unknown", () => new HttpRequestMessage(HttpMethod.Post, "api/runs/x:y/terminate")),
            ("suspend unknown", () => new HttpRequestMessage(HttpMethod.Post, "api/runs/x:y/suspend")),
            ("resume unknown", () => new HttpRequestMessage(HttpMethod.Post, "api/runs/x:y/resume")),
            ("restart unknown", () => new HttpRequestMessage(HttpMethod.Post, "api/runs/x:y/restart")),
            ("restart running", () => new HttpRequestMessage(HttpMethod.Post, $"api/runs/{Uri.EscapeDataString(id)}/restart")),
            ("purge running", () => new HttpRequestMessage(HttpMethod.Delete, $"api/runs/{Uri.EscapeDataString(id)}")),
            ("purge unknown", () => new HttpRequestMessage(HttpMethod.Delete, "api/runs/x:y")),
            ("purge many without date", () => new HttpRequestMessage(HttpMethod.Delete, "api/runs?completedBefore=yesterday")),
            ("event bad json", () => Post($"api/runs/{Uri.EscapeDataString(id)}/events/poke", "{oops", Json)),
            ("event reserved name", () => Post($"api/runs/{Uri.EscapeDataString(id)}/events/approval:review-1", "{}", Json)),
            ("event unknown run", () => Post("api/runs/x:y/events/poke", "{}", Json)),
            ("event huge name", () => Post($"api/runs/{Uri.EscapeDataString(id)}/events/" + new string('e', 300), "{}", Json)),
            ("list bad status", () => new HttpRequestMessage(HttpMethod.Get, "api/runs?status=exploded")),
            ("list bad page size", () => new HttpRequestMessage(HttpMethod.Get, "api/runs?pageSize=-1")),
            ("list forged page token", () => new HttpRequestMessage(HttpMethod.Get, "api/runs?continuationToken=not-a-token")),
            ("list foreign page token", () => new HttpRequestMessage(HttpMethod.Get, "api/runs?continuationToken=eyJ4IjoxfQ%3D%3D")),
            ("list bad date", () => new HttpRequestMessage(HttpMethod.Get, "api/runs?createdFrom=tuesday")),
            ("approvals bad status", () => new HttpRequestMessage(HttpMethod.Get, "api/approvals?status=all")),
            ("decision without token", () => Post($"api/approvals/{Uri.EscapeDataString(id)}/review-1", "{}", Json)),
            ("decision forged token", () => Post($"api/approvals/{Uri.EscapeDataString(id)}/review-1?token=0.9999999999.forged", "{}", Json)),
            ("decision garbage token", () => Post($"api/approvals/{Uri.EscapeDataString(id)}/review-1?token=%00%01", "{}", Json)),
            ("decision unknown run", () => Post("api/approvals/x:y/review-1?token=0.1.a", "{}", Json)),
            ("decision traversal", () => Post("api/approvals/..%2F..%2Fetc/..?token=1.2.3", "{}", Json)),
            ("sample customer traversal", () => new HttpRequestMessage(HttpMethod.Get, "api/samples/customers/..%2F..%2Fetc")),
            ("sample article bad json", () => Post("api/samples/articles", "{", Json)),
            ("sample article huge", () => Post("api/samples/articles", huge, Json)),
        };

        using var keyless = new HttpClient { BaseAddress = host.Http.BaseAddress };
        var failures = new List<string>();
        foreach ((string name, Func<HttpRequestMessage> make) in requests)
        {
            using HttpRequestMessage request = make();
            HttpClient client = request.Options.TryGetValue(KeyOverride, out _) ? keyless : host.Http;
            using HttpResponseMessage response = await client.SendAsync(request);
            string body = await response.Content.ReadAsStringAsync();
            int status = (int)response.StatusCode;
            if (status is < 400 or >= 500)
            {
                failures.Add($"{name}: {status} {Truncate(body)}");
            }
            else if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                failures.Add($"{name}: {status} with {response.Content.Headers.ContentType?.MediaType ?? "no content type"}: {Truncate(body)}");
            }
        }

        // A filter that matches nothing is not an error: an empty page, not a 500.
        using (HttpResponseMessage response = await host.Http.GetAsync("api/runs?workflow=../../etc"))
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                failures.Add($"list workflow=../../etc: {(int)response.StatusCode}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures) + "\n" + Truncate(host.Output, 4000));

        // The run that was waiting all along is still waiting on its gate, and still decidable.
        JsonObject run = (await host.Http.GetFromJsonAsync<JsonObject>($"api/runs/{Uri.EscapeDataString(id)}"))!;
        Assert.Equal("Running", run["runtimeStatus"]!.GetValue<string>());
        JsonObject finished = await GateDecisions.DecideAsync(host, id);
        Assert.Equal("succeeded", finished["outcome"]!.GetValue<string>());
    }

    static HttpRequestMessage Post(string path, string body, string contentType, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        foreach ((string name, string value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    static readonly HttpRequestOptionsKey<bool> KeyOverride = new("key-override");

    /// <summary>Sent without the host's client default key: with <paramref name="key"/>, or none at all.</summary>
    static HttpRequestMessage WithKey(HttpRequestMessage request, string? key)
    {
        request.Options.Set(KeyOverride, true);
        if (key is not null)
        {
            request.Headers.Add("x-functions-key", key);
        }

        return request;
    }

    static string Truncate(string text, int max = 300) => text.Length <= max ? text : text[..max] + "…";
}
