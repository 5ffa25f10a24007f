using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Storage;

namespace StreamCanvas.Tests.Support;

/// <summary>
/// Decides approval gates the way an approver's link does: a decision token signed with the host's key
/// (<see cref="StandaloneHostProcess"/> configures it) for one approver, the run's execution, the gate and its
/// level, posted to the signed webhook with the gate's snapshot hash.
/// </summary>
public static class GateDecisions
{
    public const string SigningKey = "integration-test-signing-key";

    static readonly ApprovalTokens Tokens = new(Options.Create(new ApprovalOptions { SigningKey = SigningKey }), TimeProvider.System);

    /// <summary>The run's open gate from the pending list, once it shows there, with the run's execution id added.</summary>
    public static async Task<JsonObject> PendingGateAsync(HttpClient http, string instanceId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                JsonArray pending = (await http.GetFromJsonAsync<JsonArray>("api/approvals?status=pending"))!;
                if (pending.FirstOrDefault(p => p!["instanceId"]!.GetValue<string>() == instanceId) is JsonObject gate)
                {
                    JsonObject run = (await http.GetFromJsonAsync<JsonObject>($"api/runs/{Uri.EscapeDataString(instanceId)}"))!;
                    gate["executionId"] = run["executionId"]?.GetValue<string>() ?? "";
                    return gate;
                }
            }
            catch (HttpRequestException)
            {
                // the host may be restarting
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"run {instanceId} never showed in the pending list");
    }

    /// <summary>The level's first approver (or <paramref name="fallback"/> when it names none), as a notice addresses them.</summary>
    public static string ApproverOf(JsonObject gate, string fallback = "ed@example.com") =>
        gate["approvers"]!.AsArray().Select(a => a!.GetValue<string>()).FirstOrDefault() ?? fallback;

    /// <summary>The gate's approval link (relative) for one approver, as a notice carries it.</summary>
    public static string LinkTo(JsonObject gate, string? approver = null, TimeSpan? validFor = null)
    {
        string instanceId = gate["instanceId"]!.GetValue<string>();
        string gateId = gate["gateId"]!.GetValue<string>();
        string token = Tokens.Issue(new TokenClaims(instanceId, gate["executionId"]?.GetValue<string>() ?? "", gateId, gate["levelIndex"]!.GetValue<int>(),
            approver ?? ApproverOf(gate), DateTimeOffset.UtcNow + (validFor ?? TimeSpan.FromHours(1))));
        return $"api/approvals/{Uri.EscapeDataString(instanceId)}/{Uri.EscapeDataString(gateId)}?token={Uri.EscapeDataString(token)}";
    }

    /// <summary>Posts a decision for the open gate; returns the status code (202 accepted, 409 already decided).</summary>
    public static async Task<HttpStatusCode> PostAsync(HttpClient http, JsonObject gate, string decision = Decisions.Approve, string? approver = null)
    {
        var criteria = gate["criteria"]!.AsArray().ToDictionary(c => c!.GetValue<string>(), _ => true);
        using HttpResponseMessage response = await http.PostAsJsonAsync(
            LinkTo(gate, approver),
            new { decision, comment = "decided by the test", criteria, snapshotHash = gate["snapshotHash"]!.GetValue<string>() });
        return response.StatusCode;
    }

    /// <summary>Waits for the gate, decides it and waits for the run to finish.</summary>
    public static async Task<JsonObject> DecideAsync(StandaloneHostProcess host, string instanceId, string decision = Decisions.Approve)
    {
        JsonObject gate = await PendingGateAsync(host.Http, instanceId);
        HttpStatusCode status = await PostAsync(host.Http, gate, decision);
        if (status != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"decision for {instanceId} answered {(int)status}");
        }

        return await host.WaitForRunAsync(instanceId);
    }
}
