using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Approvals;

/// <summary>
/// The approval page an approver's link opens, in headless chromium against the standalone process on Azurite:
/// the link comes from the notice a stub chat webhook captured, as it would reach a person.
/// </summary>
public sealed class ApprovalPageTests
{
    const string Hostile = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\">";

    sealed record Setup(StandaloneHostProcess Host, Channel<JsonObject> Notices, StubHttpServer Chat) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            await Chat.DisposeAsync();
        }
    }

    static async Task<Setup> StartAsync()
    {
        var notices = Channel.CreateUnbounded<JsonObject>();
        StubHttpServer chat = await StubHttpServer.StartAsync(async context =>
        {
            notices.Writer.TryWrite((await context.Request.ReadFromJsonAsync<JsonObject>())!);
            context.Response.StatusCode = StatusCodes.Status200OK;
        });
        StandaloneHostProcess host = await StandaloneHostProcess.StartAsync(
            new Dictionary<string, string> { ["Approvals__Webhooks__reviewers"] = chat.BaseUrl + "/hook" },
            workflowsPath: Path.Combine(AppContext.BaseDirectory, "TestWorkflows"));
        return new Setup(host, notices, chat);
    }

    static async Task<string> LinkFromNoticeAsync(Setup setup, string instanceId, string gateId)
    {
        while (true)
        {
            JsonObject notice = await setup.Notices.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(3));
            if (notice["instanceId"]!.GetValue<string>() == instanceId && notice["gateId"]!.GetValue<string>() == gateId)
            {
                JsonObject link = Assert.Single(notice["links"]!.AsArray())!.AsObject();
                Assert.Equal("ed@example.com", link["approver"]!.GetValue<string>());
                return link["url"]!.GetValue<string>();
            }
        }
    }

    static async Task<IPage> OpenAsync(HeadlessChromium chromium, string url)
    {
        IPage page = await chromium.Browser.NewPageAsync();
        page.SetDefaultTimeout(120_000);
        await page.GotoAsync(url);
        return page;
    }

    [Fact]
    public async Task ApprovalPage_OpenTickApprove_RunCompletesAsTheLinksApproverAndTheLinkThenShowsWhoDecided()
    {
        await using Setup setup = await StartAsync();
        string id = (await setup.Host.StartRunAsync("approval-gate", new { title = Hostile }))["instanceId"]!.GetValue<string>();
        string link = await LinkFromNoticeAsync(setup, id, "review-1");
        await using HeadlessChromium chromium = await HeadlessChromium.LaunchAsync();

        IPage page = await OpenAsync(chromium, link);
        IResponse? reloaded = await page.ReloadAsync();

        // The model's (or the input's) markup is text on the page, never markup: nothing ran, nothing loaded.
        await Assertions.Expect(page.Locator("#snapshot pre").First).ToContainTextAsync("<script>window.__pwned = 1</script>");
        Assert.Equal(0, await page.Locator("#snapshot script, #snapshot img").CountAsync());
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__pwned"));
        Assert.Contains("frame-ancestors 'none'", reloaded!.Headers["content-security-policy"], StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", reloaded.Headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Equal("no-referrer", reloaded.Headers["referrer-policy"]);
        Assert.Equal("no-store", reloaded.Headers["cache-control"]);
        await Assertions.Expect(page.Locator("dd", new() { HasTextString = "ed@example.com" })).ToBeVisibleAsync();

        await page.Locator("input[name=criterion][value='Accurate']").CheckAsync();
        await page.Locator("button.approve").ClickAsync();
        await Assertions.Expect(page.Locator("#result")).ToHaveAttributeAsync("data-result", "decided");
        await Assertions.Expect(page.Locator("#result")).ToContainTextAsync("Approved by ed@example.com");
        JsonObject run = await setup.Host.WaitForRunAsync(id);

        Assert.Equal("succeeded", run["outcome"]!.GetValue<string>());
        Assert.Equal("ed@example.com", run["outputs"]!["review"]!["decidedBy"]!.GetValue<string>());

        IPage again = await OpenAsync(chromium, link);
        await Assertions.Expect(again.Locator("#result")).ToHaveAttributeAsync("data-result", "already-decided");
        await Assertions.Expect(again.Locator("#result")).ToContainTextAsync("by ed@example.com");
    }

    [Fact]
    public async Task ApprovalPage_ExpiredLinkAndRequestChanges_ShowExpiryAndSendTheRunBackToItsStep()
    {
        await using Setup setup = await StartAsync();
        string id = (await setup.Host.StartRunAsync("approval-gate", new { title = "Durable timers" }))["instanceId"]!.GetValue<string>();
        string link = await LinkFromNoticeAsync(setup, id, "review-1");
        JsonObject pending = await GateDecisions.PendingGateAsync(setup.Host.Http, id);
        await using HeadlessChromium chromium = await HeadlessChromium.LaunchAsync();

        IPage expired = await OpenAsync(chromium, $"http://127.0.0.1:{setup.Host.Port}/{GateDecisions.LinkTo(pending, validFor: TimeSpan.FromMinutes(-1))}");
        await Assertions.Expect(expired.Locator("#result")).ToHaveAttributeAsync("data-result", "expired");
        await Assertions.Expect(expired.Locator("#result")).ToContainTextAsync("expired");

        IPage page = await OpenAsync(chromium, link);
        await page.Locator("#comment").FillAsync("Add a section on retries.");
        await page.Locator("button.changes").ClickAsync();
        await Assertions.Expect(page.Locator("#result")).ToHaveAttributeAsync("data-result", "decided");
        await Assertions.Expect(page.Locator("#result")).ToContainTextAsync("Changes requested by ed@example.com");

        // The run drafts again and opens the gate's second round, with a link of its own.
        string secondLink = await LinkFromNoticeAsync(setup, id, "review-2");
        IPage second = await OpenAsync(chromium, secondLink);
        await second.Locator("input[name=criterion]").CheckAsync();
        await second.Locator("button.approve").ClickAsync();
        await Assertions.Expect(second.Locator("#result")).ToHaveAttributeAsync("data-result", "decided");
        JsonObject run = await setup.Host.WaitForRunAsync(id);
        JsonObject history = (await setup.Host.Http.GetFromJsonAsync<JsonObject>($"api/runs/{Uri.EscapeDataString(id)}/history"))!;

        Assert.Equal("succeeded", run["outcome"]!.GetValue<string>());
        Assert.Equal(["draft", "review", "draft", "review"], history["steps"]!.AsArray().Select(s => s!["stepId"]!.GetValue<string>()));
    }
}
