using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Approvals;

/// <summary>The approval flow through the real standalone process on Azurite: chat webhook, pending list, signed link.</summary>
public sealed class ApprovalWebhookTests
{
    [Fact]
    public async Task DecideApproval_HostRestartedWhileWaiting_DecisionIsStillAcceptedAndTheRunFinishes()
    {
        var notices = Channel.CreateUnbounded<JsonObject>();
        await using var chat = await StubHttpServer.StartAsync(async context =>
        {
            notices.Writer.TryWrite((await context.Request.ReadFromJsonAsync<JsonObject>())!);
            context.Response.StatusCode = StatusCodes.Status200OK;
        });
        await using var host = await StandaloneHostProcess.StartAsync(
            new Dictionary<string, string> { ["Approvals__Webhooks__reviewers"] = chat.BaseUrl + "/hook" },
            workflowsPath: Path.Combine(AppContext.BaseDirectory, "TestWorkflows"));

        JsonObject started = await host.StartRunAsync("approval-gate", new { title = "Durable timers" });
        string id = started["instanceId"]!.GetValue<string>();
        JsonObject notice = await notices.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(3));
        JsonObject pending = await PendingGateAsync(host, id);

        Assert.Equal("opened", notice["kind"]!.GetValue<string>());
        Assert.Contains("Accurate", notice["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(("review-1", "editor"), (pending["gateId"]!.GetValue<string>(), pending["level"]!.GetValue<string>()));
        Assert.Equal("Durable timers", pending["snapshot"]!["input.title"]!.GetValue<string>());
        Assert.True(pending["deadline"]!.GetValue<DateTime>() > pending["openedAt"]!.GetValue<DateTime>());
        Assert.Null(pending["decisionToken"]); // only a Development host lists tokens (for its dashboard)

        await host.RestartAsync();
        var decision = new
        {
            decision = "approve", approver = "ed@example.com", comment = "Looks right.",
            criteria = new Dictionary<string, bool> { ["Accurate"] = true },
            snapshotHash = pending["snapshotHash"]!.GetValue<string>(),
        };
        using HttpResponseMessage accepted = await host.Http.PostAsJsonAsync(notice["links"]![0]!["url"]!.GetValue<string>(), decision);
        JsonObject run = await host.WaitForRunAsync(id, TimeSpan.FromSeconds(120));
        using HttpResponseMessage again = await host.Http.PostAsJsonAsync(notice["links"]![0]!["url"]!.GetValue<string>(), decision with { approver = "ed@example.com" });

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(("Completed", "succeeded"), (run["runtimeStatus"]!.GetValue<string>(), run["outcome"]!.GetValue<string>()));
        JsonNode review = run["outputs"]!["review"]!;
        Assert.Equal(("approve", "ed@example.com", "Looks right."), (review["decision"]!.GetValue<string>(), review["decidedBy"]!.GetValue<string>(), review["comment"]!.GetValue<string>()));
        Assert.True(review["criteria"]!["Accurate"]!.GetValue<bool>());
        Assert.True(review["latencySeconds"]!.GetValue<double>() > 0);
        JsonObject history = (await host.Http.GetFromJsonAsync<JsonObject>($"api/runs/{Uri.EscapeDataString(id)}/history"))!;
        Assert.Equal("ed@example.com", history["steps"]![1]!["approval"]!["decidedBy"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Empty((await host.Http.GetFromJsonAsync<JsonArray>("api/approvals?status=pending"))!);
    }

    [Fact]
    public async Task LargeSnapshot_ShownWholeToApprovers_DecidedAndRemovedWithItsRunAndItsDecision()
    {
        await using var host = await StandaloneHostProcess.StartAsync(workflowsPath: Path.Combine(AppContext.BaseDirectory, "TestWorkflows"));
        string title = string.Concat(Enumerable.Repeat("A long brief the reviewer must read in full. ", 200));
        string id = (await host.StartRunAsync("approval-gate", new { title }))["instanceId"]!.GetValue<string>();

        JsonObject pending = await GateDecisions.PendingGateAsync(host.Http, id, TimeSpan.FromSeconds(180)); // a draft and a stored snapshot first: slow on a loaded machine
        JsonObject run = (await host.Http.GetFromJsonAsync<JsonObject>($"api/runs/{Uri.EscapeDataString(id)}"))!;
        var snapshots = new Azure.Storage.Blobs.BlobContainerClient(host.Settings["AzureWebJobsStorage"], ApprovalSnapshotStore.ContainerName);
        string prefix = Uri.EscapeDataString(id) + "/";

        Assert.Equal(title, pending["snapshot"]!["input.title"]!.GetValue<string>());
        Assert.Equal(title, run["gate"]!["snapshot"]!["input.title"]!.GetValue<string>());
        Assert.True(run["gate"]!["snapshotStored"]!.GetValue<bool>());
        Assert.Equal(1, await CountBlobsAsync(snapshots, prefix));

        // The approval link shows the whole gate with its token alone: no operator key.
        using var approver = new HttpClient { BaseAddress = host.Http.BaseAddress };
        JsonObject shown = (await approver.GetFromJsonAsync<JsonObject>(GateDecisions.LinkTo(pending)))!;
        using HttpResponseMessage withoutToken = await approver.GetAsync($"api/approvals/{Uri.EscapeDataString(id)}/review-1");
        Assert.Equal(title, shown["snapshot"]!["input.title"]!.GetValue<string>());
        Assert.Equal(pending["snapshotHash"]!.GetValue<string>(), shown["snapshotHash"]!.GetValue<string>());
        Assert.Equal(["Accurate"], shown["criteria"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.Unauthorized, withoutToken.StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, await GateDecisions.PostAsync(host.Http, pending));
        JsonObject done = await host.WaitForRunAsync(id);
        using HttpResponseMessage afterDecision = await approver.GetAsync(GateDecisions.LinkTo(pending));
        Assert.Equal(HttpStatusCode.Conflict, afterDecision.StatusCode);
        var decisions = new Azure.Data.Tables.TableClient(host.Settings["AzureWebJobsStorage"], ApprovalDecisionStore.TableName);
        Assert.Equal(1, await CountRowsAsync(decisions, Uri.EscapeDataString(id)));
        using HttpResponseMessage purged = await host.Http.DeleteAsync($"api/runs/{Uri.EscapeDataString(id)}");

        Assert.Equal(("Completed", "succeeded"), (done["runtimeStatus"]!.GetValue<string>(), done["outcome"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, purged.StatusCode);
        Assert.Equal(0, await CountBlobsAsync(snapshots, prefix));
        Assert.Equal(0, await CountRowsAsync(decisions, Uri.EscapeDataString(id)));
    }

    static async Task<int> CountRowsAsync(Azure.Data.Tables.TableClient table, string partition)
    {
        int count = 0;
        await foreach (var _ in table.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == partition))
        {
            count++;
        }

        return count;
    }

    static async Task<int> CountBlobsAsync(Azure.Storage.Blobs.BlobContainerClient container, string prefix)
    {
        int count = 0;
        await foreach (var _ in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, CancellationToken.None))
        {
            count++;
        }

        return count;
    }

    static async Task<JsonObject> PendingGateAsync(StandaloneHostProcess host, string instanceId)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            using HttpResponseMessage response = await host.Http.GetAsync("api/approvals?status=pending");
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"pending list: {(int)response.StatusCode} {body}\n{host.Output}");
            JsonArray pending = JsonNode.Parse(body)!.AsArray();
            if (pending.FirstOrDefault(p => p!["instanceId"]!.GetValue<string>() == instanceId) is JsonObject gate)
            {
                return gate;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"run {instanceId} never showed in the pending list:\n{host.Output}");
    }
}
