using System.Text.Json.Nodes;
using Microsoft.Playwright;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Api.Dashboard;

/// <summary>The ops page in headless chromium against the standalone host in Development, on real Azurite.</summary>
public sealed class DashboardPageTests
{
    [Fact]
    public async Task Dashboard_RunWaitingForApproval_ShowsTheGateAndApprovingInThePageCompletesTheRun()
    {
        await using StandaloneHostProcess host = await StandaloneHostProcess.StartAsync(new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
        });
        JsonObject started = await host.StartRunAsync("content-publishing", new { topic = "dashboards", audience = "developers" });
        string id = started["instanceId"]!.GetValue<string>();
        await using HeadlessChromium chromium = await HeadlessChromium.LaunchAsync();
        IPage page = await chromium.Browser.NewPageAsync();
        page.SetDefaultTimeout(120_000);

        await page.GotoAsync($"http://127.0.0.1:{host.Port}/api/dashboard");

        // Development hands the page the local key, so it lists the run without one being typed in.
        ILocator run = page.Locator($"#runs tr[data-run-id='{id}']");
        await Assertions.Expect(run).ToHaveAttributeAsync("data-state", "waiting-for-approval");
        await run.ClickAsync();
        await Assertions.Expect(page.Locator("#timeline .node[data-step='review']")).ToHaveAttributeAsync("data-state", "waiting-for-approval");
        await Assertions.Expect(page.Locator("#timeline .node[data-step='draft']")).ToHaveAttributeAsync("data-state", "succeeded");

        await page.Locator($"#pending tr[data-run-id='{id}'] button.approve").ClickAsync();

        // The publish step after the gate calls a tool: on a loaded machine that takes longer than Playwright's default 5 s.
        await Assertions.Expect(run).ToHaveAttributeAsync("data-state", "completed", new() { Timeout = 180_000 });
        await Assertions.Expect(page.Locator("#timeline .node[data-step='publish']")).ToHaveAttributeAsync("data-state", "succeeded");
        await Assertions.Expect(page.Locator($"#pending tr[data-run-id='{id}']")).ToHaveCountAsync(0);
        JsonObject done = await host.WaitForRunAsync(id);
        Assert.Equal("succeeded", done["outcome"]!.GetValue<string>());
        // The dashboard decides through a Development link issued to the level's first member (appsettings.Development.json's editors group).
        Assert.Equal("editor@example.com", done["outputs"]!["review"]!["decidedBy"]!.GetValue<string>());

        // The workflow's card: the six readiness traits, and the live record counting the finished run.
        ILocator card = page.Locator("#readiness article.card[data-workflow='content-publishing']");
        await Assertions.Expect(card.Locator("ul.traits li")).ToHaveCountAsync(6);
        await Assertions.Expect(card.Locator("li[data-trait='ownership']")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("state-pass"));
        await Assertions.Expect(card.Locator("dd[data-fact='runs']")).ToHaveTextAsync("1", new() { Timeout = 60_000 });
        await Assertions.Expect(card.Locator("dd[data-fact='done-rate']")).ToHaveTextAsync("100 %");
        await Assertions.Expect(card.Locator("table.versions tr[data-version='1.0.0']")).ToHaveCountAsync(1);
        await page.Locator("#record-window").SelectOptionAsync("7d");
        await Assertions.Expect(card.Locator("dd[data-fact='runs']")).ToHaveTextAsync("1");
    }
}
