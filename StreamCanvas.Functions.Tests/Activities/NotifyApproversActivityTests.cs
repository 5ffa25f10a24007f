using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamCanvas.Tests.Support;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Notices;

namespace StreamCanvas.Tests.Activities;

/// <summary>The notice a level's approvers get, posted to a real local chat-webhook stub.</summary>
public sealed class NotifyApproversActivityTests : IAsyncLifetime
{
    readonly Channel<(JsonObject Message, long Bytes)> received = Channel.CreateUnbounded<(JsonObject, long)>();
    StubHttpServer chat = null!;
    NotifyApproversActivity activity = null!;

    public async Task InitializeAsync()
    {
        chat = await StubHttpServer.StartAsync(async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            received.Writer.TryWrite((JsonNode.Parse(buffer.ToArray())!.AsObject(), buffer.Length));
        });
        var options = Options.Create(new ApprovalOptions
        {
            SigningKey = "notice-test-key",
            PublicBaseUrl = "https://streamcanvas.example.com",
            Webhooks = { ["reviewers"] = chat.BaseUrl + "/hook" },
        });
        activity = new NotifyApproversActivity(new SingleClientFactory(), new ApprovalTokens(options, TimeProvider.System), options, NullLogger<NotifyApproversActivity>.Instance);
    }

    public async Task DisposeAsync() => await chat.DisposeAsync();

    static ApprovalNotice Notice(JsonObject snapshot) => new(
        new StepIdentity("content-publishing:abc", "content-publishing", "review", 1), "review-1", NoticeKinds.Opened, 0, "editor",
        ["ed@example.com"], null, "reviewers", new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc), snapshot, "hash", ["Accurate"]);

    [Fact]
    public async Task RunAsync_SmallSnapshot_SendsItWholeWithSignedLinks()
    {
        var snapshot = new JsonObject { ["input.title"] = "Durable timers", ["steps.draft.output.text"] = "A short draft." };

        Assert.True(await activity.RunAsync(Notice(snapshot), CancellationToken.None));
        (JsonObject message, _) = await received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal("A short draft.", message["snapshot"]!["steps.draft.output.text"]!.GetValue<string>());
        Assert.False(message["snapshotOmitted"]!.GetValue<bool>());
        Assert.Contains("\"A short draft.\"", message["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("https://streamcanvas.example.com/api/approvals/", message["approveUrl"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_LargeSnapshot_SendsAMessageAChatWebhookAccepts()
    {
        var snapshot = new JsonObject { ["input.title"] = "Durable timers", ["steps.draft.output.text"] = new string('w', 60_000) };

        Assert.True(await activity.RunAsync(Notice(snapshot), CancellationToken.None));
        (JsonObject message, long bytes) = await received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(120));

        Assert.InRange(bytes, 1, 28 * 1024);
        Assert.True(message["snapshotOmitted"]!.GetValue<bool>());
        Assert.Null(message["snapshot"]);
        string text = message["text"]!.GetValue<string>();
        Assert.Contains("\"Durable timers\"", text, StringComparison.Ordinal);
        Assert.Contains($"{60_002 - NotifyApproversActivity.MaxTextValueChars} more characters", text, StringComparison.Ordinal);
        Assert.Contains($"Read the whole gate: GET {message["decisionUrl"]!.GetValue<string>()}", text, StringComparison.Ordinal);
    }

    sealed class SingleClientFactory : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new();
    }
}
