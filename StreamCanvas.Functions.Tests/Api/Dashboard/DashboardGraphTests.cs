using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Api.Dashboard;

/// <summary>
/// The dashboard's run graph and agent turns in headless chromium, against the standalone host in Development on
/// real Azurite with the offline model. Every expectation waits for a state, never for a speed.
/// </summary>
public sealed class DashboardGraphTests
{
    static readonly Dictionary<string, string> Development = new()
    {
        ["DOTNET_ENVIRONMENT"] = "Development",
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
    };

    const string Document = "Durable workflows keep state across restarts. They replay their history to rebuild it. " +
        "Approvals let a person decide before anything is published. Maps fan out over items and join the results.";

    /// <summary>A standalone host in Development with one run started, and the dashboard open on it in chromium.</summary>
    sealed class DashboardSession : IAsyncDisposable
    {
        public required StandaloneHostProcess Host { get; init; }
        public required HeadlessChromium Chromium { get; init; }
        public required IPage Page { get; init; }
        public required string RunId { get; init; }

        public static async Task<DashboardSession> StartAsync(string workflow, object input)
        {
            StandaloneHostProcess host = await StandaloneHostProcess.StartAsync(Development);
            try
            {
                JsonObject started = await host.StartRunAsync(workflow, input);
                HeadlessChromium chromium = await HeadlessChromium.LaunchAsync();
                IPage page = await chromium.Browser.NewPageAsync();
                page.SetDefaultTimeout(120_000);
                await page.GotoAsync($"http://127.0.0.1:{host.Port}/api/dashboard");
                return new DashboardSession { Host = host, Chromium = chromium, Page = page, RunId = started["instanceId"]!.GetValue<string>() };
            }
            catch
            {
                // No session to dispose yet: stop the host here so a failed start leaves no process behind.
                await host.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Chromium.DisposeAsync();
            await Host.DisposeAsync();
        }
    }

    static async Task OpenRunAsync(IPage page, string id, string state)
    {
        ILocator run = page.Locator($"#runs tr[data-run-id='{id}']");
        await Assertions.Expect(run).ToHaveAttributeAsync("data-state", state, new() { Timeout = 180_000 });
        await run.ClickAsync();
        await Assertions.Expect(page.Locator("#timeline-run")).ToHaveTextAsync(id);
    }

    static ILocator Node(IPage page, string step) => page.Locator($"#timeline .node[data-step='{step}']");

    [Fact]
    public async Task Dashboard_ResearchReportRun_DrawsBranchesJoinAndMapWithEachNodesState()
    {
        await using DashboardSession session = await DashboardSession.StartAsync("research-report", new { title = "Durable dashboards", document = Document });
        (IPage page, string id) = (session.Page, session.RunId);

        // The run stops at the editor's approval, after the map and the parallel checks have finished.
        await OpenRunAsync(page, id, "waiting-for-approval");
        await Assertions.Expect(Node(page, "review")).ToHaveAttributeAsync("data-state", "waiting-for-approval");

        // The parallel step: its two branches side by side under it, and a join saying it waits for all.
        await Assertions.Expect(Node(page, "checks")).ToHaveAttributeAsync("data-kind", "parallel");
        await Assertions.Expect(page.Locator("#timeline .branch[data-step='checks']")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#timeline .branch[data-branch='facts']")).ToHaveAttributeAsync("data-state", "succeeded");
        await Assertions.Expect(page.Locator("#timeline .join[data-step='checks']")).ToHaveTextAsync("join: all");
        Assert.True(await CenterXAsync(page, "factCheck") < await CenterXAsync(page, "styleCheck"), "the branches are drawn side by side");
        Assert.Equal(await CenterYAsync(page, "factCheck"), await CenterYAsync(page, "styleCheck"));

        // The map: its body inside its frame, run per item, and the final counts on the map node.
        ILocator map = Node(page, "summaries");
        await Assertions.Expect(map).ToHaveAttributeAsync("data-kind", "map");
        await Assertions.Expect(map).ToHaveAttributeAsync("data-state", "succeeded");
        await Assertions.Expect(map).ToHaveAttributeAsync("data-failed", "0");
        string total = (await map.GetAttributeAsync("data-total"))!;
        Assert.True(int.Parse(total, System.Globalization.CultureInfo.InvariantCulture) >= 1);
        await Assertions.Expect(map).ToHaveAttributeAsync("data-done", total);
        await Assertions.Expect(map).ToContainTextAsync($"{total}/{total} done");
        await Assertions.Expect(page.Locator("#timeline .map-frame[data-step='summaries']")).ToHaveCountAsync(1);
        await Assertions.Expect(Node(page, "summarizeSection")).ToHaveAttributeAsync("data-state", "per-item");

        // Each node's state, and the edges the run went along.
        foreach (string done in new[] { "split", "combine", "factCheck", "styleCheck", "checks" })
        {
            await Assertions.Expect(Node(page, done)).ToHaveAttributeAsync("data-state", "succeeded");
        }

        await Assertions.Expect(Node(page, "publish")).ToHaveAttributeAsync("data-state", "not-reached");
        await Assertions.Expect(page.Locator("#timeline .edge[data-from='split'][data-to='summaries']")).ToHaveClassAsync(new Regex(@"\btaken\b"));
        await Assertions.Expect(page.Locator("#timeline .edge[data-from='review'][data-to='publish']")).Not.ToHaveClassAsync(new Regex(@"\btaken\b"));
    }

    [Fact]
    public async Task Dashboard_DailyDigestRun_WorkflowNodeOpensTheChildRun()
    {
        await using DashboardSession session = await DashboardSession.StartAsync("daily-digest", new { edition = "morning" });
        (IPage page, string id) = (session.Page, session.RunId);

        // The child research-report run waits at its approval, so the parent waits in its workflow step.
        await OpenRunAsync(page, id, "running");
        ILocator report = Node(page, "report");
        await Assertions.Expect(report).ToHaveAttributeAsync("data-kind", "workflow");
        await Assertions.Expect(report).ToContainTextAsync("workflow → research-report");
        await Assertions.Expect(report).ToHaveAttributeAsync("data-child-run", new Regex("^research-report:"));
        string child = (await report.GetAttributeAsync("data-child-run"))!;

        await report.ClickAsync();

        await Assertions.Expect(page.Locator("#timeline-run")).ToHaveTextAsync(child);
        await Assertions.Expect(Node(page, "summaries")).ToHaveAttributeAsync("data-kind", "map");
        await Assertions.Expect(Node(page, "review")).ToHaveAttributeAsync("data-state", "waiting-for-approval");
        await Assertions.Expect(page.Locator($"#runs tr[data-run-id='{child}']")).ToHaveClassAsync(new Regex(@"\bselected\b"));
    }

    [Fact]
    public async Task Dashboard_SupportAgentRun_ListsEachTurnAndToolCallWithTheApproval()
    {
        await using DashboardSession session = await DashboardSession.StartAsync("support-agent", new
        {
            ticketId = "T-42",
            customerId = "c7",
            amount = 250,
            message = "I was charged twice this month, please refund 250.",
        });
        (IPage page, string id) = (session.Page, session.RunId);

        // The offline model looks the customer up, then asks to refund 250: the lead's gate opens on the agent node.
        await OpenRunAsync(page, id, "waiting-for-approval");
        ILocator agent = Node(page, "agent");
        await Assertions.Expect(agent).ToHaveAttributeAsync("data-state", "waiting-for-approval");
        await Assertions.Expect(agent).ToContainTextAsync("agent, 2 tools (1 gated)");

        // While it waits, the turns so far come from the run's status: the lookup done, the refund's turn at its gate.
        ILocator inFlight = page.Locator("#agent-turns figure.agent[data-step='agent'][data-state='running']");
        await Assertions.Expect(inFlight.Locator("tr.tool-call[data-tool='lookup_customer']")).ToHaveAttributeAsync("data-status", "succeeded");
        await Assertions.Expect(inFlight.Locator("tr.turn[data-turn='2']")).ToContainTextAsync("calling tools");

        await page.Locator($"#pending tr[data-run-id='{id}'] button.approve").ClickAsync();
        await Assertions.Expect(page.Locator($"#runs tr[data-run-id='{id}']")).ToHaveAttributeAsync("data-state", "completed", new() { Timeout = 180_000 });
        await Assertions.Expect(agent).ToHaveAttributeAsync("data-state", "succeeded");

        // One row per turn (two that called a tool, then the answer), one per tool call under its turn.
        ILocator table = page.Locator("#agent-turns figure.agent[data-step='agent'] table.agent-calls");
        await Assertions.Expect(table.Locator("tr.turn")).ToHaveCountAsync(3);
        ILocator lookup = table.Locator("tr.tool-call[data-tool='lookup_customer']");
        await Assertions.Expect(lookup).ToHaveAttributeAsync("data-turn", "1");
        await Assertions.Expect(lookup).ToHaveAttributeAsync("data-status", "succeeded");
        await Assertions.Expect(lookup.Locator("td.arguments")).ToContainTextAsync("c7");
        await Assertions.Expect(lookup).ToContainTextAsync(new Regex(@"200, \d+ chars"));
        ILocator refund = table.Locator("tr.tool-call[data-tool='issue_refund']");
        await Assertions.Expect(refund).ToHaveAttributeAsync("data-turn", "2");
        await Assertions.Expect(refund).ToHaveAttributeAsync("data-status", "succeeded");
        await Assertions.Expect(refund.Locator("td.arguments")).ToContainTextAsync("250");
        await Assertions.Expect(refund.Locator("td.approval")).ToContainTextAsync(new Regex("^approve by .+@"));
        await Assertions.Expect(table.Locator("tr.turn[data-turn='1']")).ToContainTextAsync(new Regex(@"\d+ \+ \d+"));
        JsonObject done = await session.Host.WaitForRunAsync(id);
        Assert.Equal("succeeded", done["outcome"]!.GetValue<string>());
    }

    static async Task<double> CenterXAsync(IPage page, string step) =>
        await Node(page, step).EvaluateAsync<double>("g => { const b = g.getBBox(); return b.x + b.width / 2; }");

    static async Task<double> CenterYAsync(IPage page, string step) =>
        await Node(page, step).EvaluateAsync<double>("g => { const b = g.getBBox(); return b.y + b.height / 2; }");
}
