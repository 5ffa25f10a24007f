using Microsoft.Playwright;

namespace StreamCanvas.Tests.Support;

/// <summary>
/// A real headless browser for page tests: Debian's chromium (.ci/run installs it), since Playwright's own
/// browser download is not reachable from CI.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    readonly IPlaywright playwright;

    HeadlessChromium(IPlaywright playwright, IBrowser browser)
    {
        this.playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static async Task<HeadlessChromium> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"the page tests need chromium at {ExecutablePath}: apt-get install -y chromium (.ci/run does this)");
        }

        // Expectations wait for a state, never for a speed: Playwright's 5 s default fails on a busy machine while
        // the run is still moving; the generous cap only bounds a page that is really stuck.
        Assertions.SetDefaultExpectTimeout(120_000);
        IPlaywright playwright = await Playwright.CreateAsync();
        IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        return new HeadlessChromium(playwright, browser);
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        playwright.Dispose();
    }
}
