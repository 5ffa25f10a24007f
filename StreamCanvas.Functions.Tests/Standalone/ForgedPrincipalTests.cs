using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Standalone;

/// <summary>
/// The standalone host has no App Service in front of it: an X-MS-CLIENT-PRINCIPAL header is anyone's to forge there,
/// so it decides nothing, even with WEBSITE_AUTH_ENABLED set in the host's environment.
/// </summary>
public sealed class ForgedPrincipalTests
{
    [Fact]
    public async Task DecideApproval_ForgedPrincipalForTheLevelsApprover_DecidesNothing()
    {
        await using var host = await StandaloneHostProcess.StartAsync(
            new Dictionary<string, string> { ["WEBSITE_AUTH_ENABLED"] = "True" },
            workflowsPath: Path.Combine(AppContext.BaseDirectory, "TestWorkflows"));
        string id = (await host.StartRunAsync("approval-gate", new { title = "Forged" }))["instanceId"]!.GetValue<string>();
        JsonObject gate = await GateDecisions.PendingGateAsync(host.Http, id, TimeSpan.FromSeconds(180));
        string forged = Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject
        {
            ["auth_typ"] = "aad",
            ["claims"] = new JsonArray(new JsonObject { ["typ"] = "preferred_username", ["val"] = "ed@example.com" }, new JsonObject { ["typ"] = "groups", ["val"] = "editors" }),
        }.ToJsonString()));
        string url = $"api/approvals/{Uri.EscapeDataString(id)}/{Uri.EscapeDataString(gate["gateId"]!.GetValue<string>())}";
        using var anonymous = new HttpClient { BaseAddress = host.Http.BaseAddress };

        using var show = new HttpRequestMessage(HttpMethod.Get, url);
        show.Headers.Add("X-MS-CLIENT-PRINCIPAL", forged);
        using HttpResponseMessage shown = await anonymous.SendAsync(show);
        using var decide = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = JsonContent.Create(new
            {
                decision = "approve", criteria = new Dictionary<string, bool> { ["Accurate"] = true }, snapshotHash = gate["snapshotHash"]!.GetValue<string>(),
            }),
        };
        decide.Headers.Add("X-MS-CLIENT-PRINCIPAL", forged);
        decide.Headers.Add("X-MS-CLIENT-PRINCIPAL-NAME", "ed@example.com");
        using HttpResponseMessage decided = await anonymous.SendAsync(decide);

        Assert.Equal(HttpStatusCode.Unauthorized, shown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, decided.StatusCode);
        Assert.Equal("application/problem+json", decided.Content.Headers.ContentType?.MediaType);
        JsonObject run = (await host.Http.GetFromJsonAsync<JsonObject>($"api/runs/{Uri.EscapeDataString(id)}"))!;
        Assert.Equal("waiting-for-approval", run["state"]!.GetValue<string>());
        Assert.Contains((await host.Http.GetFromJsonAsync<JsonArray>("api/approvals?status=pending"))!, p => p!["instanceId"]!.GetValue<string>() == id);
    }
}
