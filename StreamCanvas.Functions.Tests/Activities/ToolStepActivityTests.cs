using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StreamCanvas.Activities;
using StreamCanvas.Definitions;
using StreamCanvas.Hosting;

namespace StreamCanvas.Tests.Activities;

/// <summary>The tool step through the app's own resilient HttpClient registration against a local server.</summary>
public sealed class ToolStepActivityTests : IAsyncLifetime
{
    StubHttpServer server = null!;
    int calls;
    Func<HttpContext, Task> respond = context => context.Response.WriteAsJsonAsync(new { ok = true });

    public async Task InitializeAsync() => server = await StubHttpServer.StartAsync(context =>
    {
        Interlocked.Increment(ref calls);
        return respond(context);
    });

    public async Task DisposeAsync() => await server.DisposeAsync();

    ToolStepActivity Activity(int maxResponseBytes = 1024 * 1024)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Tools:Connections:crm:BaseUrl"] = server.BaseUrl + "/api",
            ["Tools:Connections:crm:Headers:x-api-key"] = "secret",
            ["Tools:AttemptTimeoutSeconds"] = "2",
            ["Tools:DefaultTimeoutSeconds"] = "20", // the pipeline backs off about 2 s, then 4 s, with jitter
            ["Workflows:Path"] = RepoPaths.Workflows,
            ["Tools:MaxResponseBytes"] = maxResponseBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        var services = new ServiceCollection().AddLogging().AddStreamCanvas(configuration);
        return services.BuildServiceProvider().GetRequiredService<ToolStepActivity>();
    }

    static ToolStepRequest Request(string path = "/customers/42", string method = "GET", JsonNode? body = null, IReadOnlyList<int>? expect = null, int? timeout = null) =>
        new(new StepIdentity("run-1", "wf", "lookup", 1), "crm", method, path, body, expect ?? [], timeout);

    /// <summary>The server answers OK and records each request's Idempotency-Key (null when absent).</summary>
    List<string?> CaptureIdempotencyKeys()
    {
        var keys = new List<string?>();
        respond = context =>
        {
            lock (keys) { keys.Add(context.Request.Headers["Idempotency-Key"]); }
            return context.Response.WriteAsJsonAsync(new { ok = true });
        };
        return keys;
    }

    [Fact]
    public async Task RunAsync_UnsafeMethod_CarriesAnIdempotencyKeyTheSameForEveryAttemptOfTheStep()
    {
        List<string?> keys = CaptureIdempotencyKeys();
        ToolStepActivity activity = Activity();
        ToolStepRequest post = Request("/articles", "POST", new JsonObject { ["title"] = "t" });

        await activity.RunAsync(post, CancellationToken.None);
        await activity.RunAsync(post with { Step = post.Step with { Attempt = 3 } }, CancellationToken.None);
        await activity.RunAsync(post with { Step = post.Step with { StepId = "other" } }, CancellationToken.None);
        await activity.RunAsync(post with { Step = post.Step with { InstanceId = "run-2" } }, CancellationToken.None);
        await activity.RunAsync(Request(), CancellationToken.None);

        Assert.NotNull(keys[0]);
        Assert.Equal(keys[0], keys[1]);
        Assert.Equal(3, keys.Take(4).Distinct().Count());
        Assert.Null(keys[4]);
    }

    [Fact]
    public async Task RunAsync_MapItems_EachItemHasItsOwnKeyTheSameForEveryAttempt()
    {
        List<string?> keys = CaptureIdempotencyKeys();
        ToolStepActivity activity = Activity();
        ToolStepRequest post = Request("/articles", "POST", new JsonObject { ["title"] = "t" });

        await activity.RunAsync(post, CancellationToken.None);
        await activity.RunAsync(post with { Step = post.Step with { Item = 0 } }, CancellationToken.None);
        await activity.RunAsync(post with { Step = post.Step with { Item = 1 } }, CancellationToken.None);
        await activity.RunAsync(post with { Step = post.Step with { Item = 1, Attempt = 2 } }, CancellationToken.None);

        // Every item runs the same step of the same orchestration: only the item tells their calls apart.
        Assert.Equal(3, keys.Take(3).Distinct().Count());
        Assert.Equal(keys[2], keys[3]);

        // Outside a map the key is what it was before items had one: runs in flight keep theirs.
        string expected = "streamcanvas-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("run-1\nlookup"u8))[..32];
        Assert.Equal(expected, keys[0]);
    }

    [Fact]
    public async Task RunAsync_RateLimitedWithRetryAfter_FailureCarriesTheWait()
    {
        respond = context =>
        {
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "7";
            return Task.CompletedTask;
        };

        StepOutcome outcome = await Activity().RunAsync(Request("/articles", "POST", new JsonObject { ["title"] = "t" }), CancellationToken.None);

        Assert.Equal(FailureReasons.ToolError, outcome.Error!.Reason);
        Assert.True(outcome.Error.Retryable);
        Assert.Equal(7, outcome.Error.RetryAfterSeconds);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_ResponseOverTheLimit_FailsAsTooLargeInsteadOfCuttingIt(bool declaresLength)
    {
        respond = async context =>
        {
            byte[] body = System.Text.Encoding.UTF8.GetBytes("{\"text\":\"" + new string('x', 2000) + "\"}");
            if (declaresLength)
            {
                context.Response.ContentLength = body.Length;
            }

            await context.Response.Body.WriteAsync(body);
        };

        StepOutcome outcome = await Activity(maxResponseBytes: 1000).RunAsync(Request(), CancellationToken.None);

        Assert.Equal(FailureReasons.ToolResponseTooLarge, outcome.Error!.Reason);
        Assert.False(outcome.Error.Retryable);
        Assert.Contains("Tools:MaxResponseBytes", outcome.Error.Message, StringComparison.Ordinal);
        Assert.Null(outcome.Output);
    }

    [Fact]
    public async Task RunAsync_ResponseExactlyAtTheLimit_IsReadWhole()
    {
        string text = new string('x', 1000 - 11);
        respond = context => context.Response.WriteAsync("{\"text\":\"" + text + "\"}");

        StepOutcome outcome = await Activity(maxResponseBytes: 1000).RunAsync(Request(), CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        Assert.Equal(text, outcome.Output!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task RunAsync_Success_ReturnsJsonBodyAndStatusWithConnectionHeaders()
    {
        string? apiKey = null;
        string? path = null;
        respond = context =>
        {
            apiKey = context.Request.Headers["x-api-key"];
            path = context.Request.Path;
            return context.Response.WriteAsJsonAsync(new { id = "42", plan = "team" });
        };

        StepOutcome outcome = await Activity().RunAsync(Request(), CancellationToken.None);

        Assert.True(outcome.Succeeded);
        Assert.Equal(200, outcome.Status);
        Assert.Equal("team", outcome.Output!["plan"]!.GetValue<string>());
        Assert.Equal("secret", apiKey);
        Assert.Equal("/api/customers/42", path);
    }

    [Fact]
    public async Task RunAsync_UnknownConnection_IsRefusedWithoutACall()
    {
        StepOutcome outcome = await Activity().RunAsync(Request() with { Connection = "elsewhere" }, CancellationToken.None);

        Assert.Equal(FailureReasons.ToolNotAllowed, outcome.Error!.Reason);
        Assert.False(outcome.Error.Retryable);
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task RunAsync_PathEscapingTheBaseUrl_IsRefused()
    {
        StepOutcome outcome = await Activity().RunAsync(Request(path: "/../admin"), CancellationToken.None);

        Assert.Equal(FailureReasons.ToolNotAllowed, outcome.Error!.Reason);
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task RunAsync_Redirect_IsNotFollowedAndFailsAsToolRedirectNamingTheHost()
    {
        string? keyAtTheOtherHost = null;
        await using StubHttpServer elsewhere = await StubHttpServer.StartAsync(context =>
        {
            keyAtTheOtherHost = context.Request.Headers["x-api-key"];
            return context.Response.WriteAsJsonAsync(new { ok = true });
        });
        respond = context =>
        {
            context.Response.StatusCode = StatusCodes.Status302Found;
            context.Response.Headers.Location = elsewhere.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "/steal";
            return Task.CompletedTask;
        };

        StepOutcome outcome = await Activity().RunAsync(Request(), CancellationToken.None);

        Assert.Equal(FailureReasons.ToolRedirect, outcome.Error!.Reason);
        Assert.Contains("localhost", outcome.Error.Message, StringComparison.Ordinal);
        Assert.Equal(302, outcome.Status);
        Assert.Null(keyAtTheOtherHost);
    }

    [Fact]
    public async Task RunAsync_UnexpectedClientError_IsAToolErrorNotRetried()
    {
        respond = context => { context.Response.StatusCode = 404; return context.Response.WriteAsync("no such customer"); };

        StepOutcome outcome = await Activity().RunAsync(Request(), CancellationToken.None);

        Assert.Equal(FailureReasons.ToolError, outcome.Error!.Reason);
        Assert.False(outcome.Error.Retryable);
        Assert.Equal(404, outcome.Status);
        Assert.Contains("step 'lookup'", outcome.Error.Message, StringComparison.Ordinal);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task RunAsync_TransientServerErrorOnGet_IsRetriedByTheHttpPipeline()
    {
        respond = context =>
        {
            if (calls < 3)
            {
                context.Response.StatusCode = 503;
                return Task.CompletedTask;
            }

            return context.Response.WriteAsJsonAsync(new { ok = true });
        };

        StepOutcome outcome = await Activity().RunAsync(Request(), CancellationToken.None);

        Assert.True(outcome.Succeeded);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task RunAsync_TransientServerErrorOnPost_IsLeftToTheStepRetryPolicy()
    {
        respond = context => { context.Response.StatusCode = 503; return Task.CompletedTask; };

        StepOutcome outcome = await Activity().RunAsync(Request(method: "POST", body: new JsonObject { ["a"] = 1 }), CancellationToken.None);

        Assert.Equal(FailureReasons.ToolError, outcome.Error!.Reason);
        Assert.True(outcome.Error.Retryable);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task RunAsync_ExpectedStatusList_AcceptsOnlyThoseStatuses()
    {
        respond = context => { context.Response.StatusCode = 200; return Task.CompletedTask; };

        StepOutcome outcome = await Activity().RunAsync(Request(expect: [201]), CancellationToken.None);

        Assert.Equal(FailureReasons.ToolError, outcome.Error!.Reason);
    }

    [Fact]
    public async Task RunAsync_SlowTool_TimesOutAsToolTimeout()
    {
        respond = async context => await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);

        StepOutcome outcome = await Activity().RunAsync(Request(timeout: 1), CancellationToken.None);

        Assert.Equal(FailureReasons.ToolTimeout, outcome.Error!.Reason);
        Assert.True(outcome.Error.Retryable);
    }
}
