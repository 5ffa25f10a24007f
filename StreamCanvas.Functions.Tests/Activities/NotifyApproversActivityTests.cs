using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Hosting;

namespace StreamCanvas.Tests.Activities;

/// <summary>The notice a level's approvers get, posted to a real local chat-webhook stub.</summary>
public sealed class NotifyApproversActivityTests : IAsyncLifetime
{
    readonly Channel<(JsonObject Message, long Bytes)> received = Channel.CreateUnbounded<(JsonObject, long)>();
    StubHttpServer chat = null!;
    readonly RecordingLogger<NotifyApproversActivity> log = new();
    IOptions<ApprovalOptions> options = null!;
    NotifyApproversActivity activity = null!;

    public async Task InitializeAsync()
    {
        chat = await StubHttpServer.StartAsync(async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            received.Writer.TryWrite((JsonNode.Parse(buffer.ToArray())!.AsObject(), buffer.Length));
        });
        options = Options.Create(new ApprovalOptions
        {
            SigningKey = "notice-test-key",
            PublicBaseUrl = "https://streamcanvas.example.com",
            Webhooks = { ["reviewers"] = chat.BaseUrl + "/hook" },
            Groups = { ["editors"] = "erin@example.com, frank@example.com" },
        });
        activity = new NotifyApproversActivity(new SingleClientFactory(), new ApprovalTokens(options, TimeProvider.System), options, log);
    }

    public async Task DisposeAsync() => await chat.DisposeAsync();

    static ApprovalNotice Notice(JsonObject snapshot, string? notify = "reviewers", string? group = null) => new(
        new StepIdentity("content-publishing:abc", "content-publishing", "review", 1), "review-1", NoticeKinds.Opened, 0, "editor",
        ["ed@example.com"], group, notify, new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc), snapshot, "hash", ["Accurate"])
    {
        ExecutionId = "execution-1",
    };

    [Fact]
    public async Task RunAsync_GroupLevel_EachMemberGetsTheirOwnLinkSignedForThem()
    {
        Assert.True(await activity.RunAsync(Notice(new JsonObject { ["input.title"] = "t" }, group: "editors"), CancellationToken.None));
        (JsonObject message, _) = await received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(2));

        JsonObject[] links = [.. message["links"]!.AsArray().Select(l => l!.AsObject())];
        Assert.Equal(["ed@example.com", "erin@example.com", "frank@example.com"], links.Select(l => l["approver"]!.GetValue<string>()));
        var tokens = new ApprovalTokens(options, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero)));
        foreach (JsonObject link in links)
        {
            string token = Uri.UnescapeDataString(link["url"]!.GetValue<string>().Split("token=")[1]);
            TokenCheck check = tokens.Check(token, "content-publishing:abc", "execution-1", "review-1");
            Assert.Equal((TokenStatus.Valid, link["approver"]!.GetValue<string>()), (check.Status, check.Approver));
            Assert.Equal(TokenStatus.Invalid, tokens.Check(token, "content-publishing:abc", "execution-2", "review-1").Status);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData(ApprovalOptions.NoNotice)]
    public async Task RunAsync_LevelWithoutANoticeChannel_SendsNothingAndLogsNoLink(string? notify)
    {
        Assert.False(await activity.RunAsync(Notice(new JsonObject { ["input.title"] = "t" }, notify), CancellationToken.None));

        string logged = string.Join("\n", log.Messages);
        Assert.Contains("review-1", logged, StringComparison.Ordinal);
        Assert.DoesNotContain("token", logged, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("/api/approvals/", logged, StringComparison.Ordinal);
        Assert.False(received.Reader.TryRead(out _));
    }

    [Fact]
    public async Task RunAsync_SmallSnapshot_SendsItWholeWithSignedLinks()
    {
        var snapshot = new JsonObject { ["input.title"] = "Durable timers", ["steps.draft.output.text"] = "A short draft." };

        Assert.True(await activity.RunAsync(Notice(snapshot), CancellationToken.None));
        (JsonObject message, _) = await received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(3));

        Assert.Equal("A short draft.", message["snapshot"]!["steps.draft.output.text"]!.GetValue<string>());
        Assert.False(message["snapshotOmitted"]!.GetValue<bool>());
        Assert.Contains("\"A short draft.\"", message["text"]!.GetValue<string>(), StringComparison.Ordinal);
        JsonObject link = Assert.Single(message["links"]!.AsArray())!.AsObject();
        Assert.Equal("ed@example.com", link["approver"]!.GetValue<string>());
        Assert.StartsWith("https://streamcanvas.example.com/api/approvals/", link["approveUrl"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_LargeSnapshot_SendsAMessageAChatWebhookAccepts()
    {
        var snapshot = new JsonObject { ["input.title"] = "Durable timers", ["steps.draft.output.text"] = new string('w', 60_000) };

        Assert.True(await activity.RunAsync(Notice(snapshot), CancellationToken.None));
        (JsonObject message, long bytes) = await received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(3));

        Assert.InRange(bytes, 1, 28 * 1024);
        Assert.True(message["snapshotOmitted"]!.GetValue<bool>());
        Assert.Null(message["snapshot"]);
        string text = message["text"]!.GetValue<string>();
        Assert.Contains("\"Durable timers\"", text, StringComparison.Ordinal);
        Assert.Contains($"{60_002 - NotifyApproversActivity.MaxTextValueChars} more characters", text, StringComparison.Ordinal);
        Assert.Contains($"ed@example.com: {message["links"]![0]!["url"]!.GetValue<string>()}", text, StringComparison.Ordinal);
    }

    /// <summary>The activity as the hosts register it (its HTTP client included), posting to <paramref name="webhook"/>.</summary>
    static NotifyApproversActivity Registered(string webhook)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Approvals:SigningKey"] = "notice-test-key",
            ["Approvals:Webhooks:reviewers"] = webhook,
            ["Workflows:Path"] = RepoPaths.Workflows,
        }).Build();
        return new ServiceCollection().AddLogging().AddStreamCanvas(configuration).BuildServiceProvider().GetRequiredService<NotifyApproversActivity>();
    }

    [Fact]
    public async Task RunAsync_WebhookAnswersWithARedirect_FailsWithoutFollowingIt()
    {
        int followed = 0;
        await using StubHttpServer elsewhere = await StubHttpServer.StartAsync(context =>
        {
            Interlocked.Increment(ref followed);
            return Task.CompletedTask;
        });
        await using StubHttpServer redirecting = await StubHttpServer.StartAsync(context =>
        {
            context.Response.StatusCode = 307;
            context.Response.Headers.Location = elsewhere.BaseUrl + "/collect";
            return Task.CompletedTask;
        });

        var failed = await Assert.ThrowsAsync<HttpRequestException>(() =>
            Registered(redirecting.BaseUrl + "/hook").RunAsync(Notice(new JsonObject { ["input.title"] = "t" }), CancellationToken.None));

        Assert.Contains("redirect", failed.Message, StringComparison.Ordinal);
        Assert.Equal(0, followed);
    }

    [Fact]
    public async Task RunAsync_TracedCall_RecordsTheWebhookWithoutItsSecretPath()
    {
        var spans = new List<System.Diagnostics.Activity>();
        using var tracer = OpenTelemetry.Sdk.CreateTracerProviderBuilder()
            .AddHttpClientInstrumentation(StreamCanvas.Telemetry.SecretUrls.Configure)
            .AddInMemoryExporter(spans)
            .Build()!;
        var port = new Uri(chat.BaseUrl).Port;

        Assert.True(await Registered(chat.BaseUrl + "/services/T000/B000/secret-part-of-the-url").RunAsync(Notice(new JsonObject { ["input.title"] = "t" }), CancellationToken.None));
        tracer.ForceFlush();

        System.Diagnostics.Activity[] calls;
        lock (spans)
        {
            calls = [.. spans.Where(s => s.GetTagItem("server.port") is int p && p == port)];
        }

        Assert.NotEmpty(calls);
        Assert.All(calls, call =>
        {
            Assert.DoesNotContain("secret-part", call.GetTagItem("url.full")?.ToString() ?? "", StringComparison.Ordinal);
            Assert.DoesNotContain(call.TagObjects, tag => tag.Value?.ToString()?.Contains("secret-part", StringComparison.Ordinal) == true);
        });
    }

    /// <summary>Keeps every message logged, at any level, with its arguments filled in.</summary>
    sealed class RecordingLogger<T> : Microsoft.Extensions.Logging.ILogger<T>
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Messages { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Enqueue(formatter(state, exception));
    }

    sealed class SingleClientFactory : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new();
    }
}
