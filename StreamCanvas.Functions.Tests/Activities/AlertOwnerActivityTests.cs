using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamCanvas.Activities.Alerts;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Storage;

namespace StreamCanvas.Tests.Activities;

/// <summary>Owner alerts through a stub webhook and real claims (Azurite): once per condition and window, never twice.</summary>
public sealed class AlertOwnerActivityTests : IAsyncLifetime
{
    static readonly DateTime FailedAt = new(2026, 3, 2, 10, 17, 0, DateTimeKind.Utc);

    readonly ConcurrentQueue<(JsonObject Body, string? Key)> received = new();
    readonly string workflow = "wf-" + Guid.NewGuid().ToString("N")[..8];
    StubHttpServer? webhook;

    /// <summary>Set to make the webhook answer 500 the next N times.</summary>
    int failuresLeft;

    public async Task InitializeAsync() =>
        webhook = await StubHttpServer.StartAsync(async context =>
        {
            if (Interlocked.Decrement(ref failuresLeft) >= 0)
            {
                context.Response.StatusCode = 500;
                return;
            }

            JsonObject body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            received.Enqueue((body, context.Request.Headers["Idempotency-Key"].ToString()));
            context.Response.StatusCode = 200;
        });

    public async Task DisposeAsync() => await webhook!.DisposeAsync();

    async Task<AlertOwnerActivity> ActivityAsync()
    {
        var approvals = new ApprovalOptions { PublicBaseUrl = "https://streamcanvas.example.com" };
        approvals.Webhooks["oncall"] = webhook!.BaseUrl + "/hooks/oncall";
        var claims = new TableAlertClaims(new TableClient((await SharedAzurite.GetAsync()).ConnectionString, TableAlertClaims.TableName), TimeProvider.System);
        IServiceProvider services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        return new AlertOwnerActivity(services.GetRequiredService<IHttpClientFactory>(), claims, Options.Create(approvals),
            Options.Create(new AlertOptions { WindowMinutes = 60 }), NullLogger<AlertOwnerActivity>.Instance);
    }

    OwnerAlert Failure(int run, DateTime? at = null) => new(
        workflow, "1.2.0", $"{workflow}:run-{run}", "oncall", AlertConditions.RunFailed, at ?? FailedAt, "publish", "tool-error", "POST /articles returned 503");

    [Fact]
    public async Task RunAsync_FailedRun_AlertsOnceWithTheRunLinkStepAndReason()
    {
        AlertOwnerActivity activity = await ActivityAsync();

        Assert.True(await activity.RunAsync(Failure(1), CancellationToken.None));

        (JsonObject body, string? key) = Assert.Single(received);
        Assert.Equal("publish", body["step"]!.GetValue<string>());
        Assert.Equal("tool-error", body["reason"]!.GetValue<string>());
        Assert.Equal($"https://streamcanvas.example.com/api/runs/{workflow}%3Arun-1", body["runUrl"]!.GetValue<string>());
        Assert.Contains("failed at step 'publish' (tool-error)", body["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal($"{workflow}|run-failed|20260302T1000", key);
    }

    [Fact]
    public async Task RunAsync_BurstOfFiftyFailuresInOneWindow_AlertsOnce()
    {
        AlertOwnerActivity activity = await ActivityAsync();

        bool[] sent = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => activity.RunAsync(Failure(i, FailedAt.AddSeconds(i)), CancellationToken.None)));

        Assert.Equal(1, sent.Count(s => s));
        Assert.Single(received);
    }

    [Fact]
    public async Task RunAsync_FailureInTheNextWindow_AlertsAgain()
    {
        AlertOwnerActivity activity = await ActivityAsync();

        await activity.RunAsync(Failure(1), CancellationToken.None);
        await activity.RunAsync(Failure(2, FailedAt.AddMinutes(5)), CancellationToken.None);
        await activity.RunAsync(Failure(3, FailedAt.AddHours(1)), CancellationToken.None);

        Assert.Equal(2, received.Count);
    }

    [Fact]
    public async Task RunAsync_BudgetAlerts_OncePerUtcDayAndLevel()
    {
        AlertOwnerActivity activity = await ActivityAsync();
        OwnerAlert Budget(string condition, int run, TimeSpan after) => new(
            workflow, "1.2.0", $"{workflow}:run-{run}", "oncall", condition, FailedAt.Date.Add(after), "draft", null, "80 % of the daily budget of 1000 tokens is used");

        // 80 % at 01:00 and again at 20:00 the same day: one alert; 100 % is its own; the next day warns again.
        await activity.RunAsync(Budget(AlertConditions.DailyBudgetWarning, 1, TimeSpan.FromHours(1)), CancellationToken.None);
        await activity.RunAsync(Budget(AlertConditions.DailyBudgetWarning, 2, TimeSpan.FromHours(20)), CancellationToken.None);
        await activity.RunAsync(Budget(AlertConditions.DailyBudgetExhausted, 3, TimeSpan.FromHours(21)), CancellationToken.None);
        await activity.RunAsync(Budget(AlertConditions.DailyBudgetWarning, 4, TimeSpan.FromHours(25)), CancellationToken.None);

        Assert.Equal(
            [AlertConditions.DailyBudgetWarning, AlertConditions.DailyBudgetExhausted, AlertConditions.DailyBudgetWarning],
            received.Select(r => r.Body["condition"]!.GetValue<string>()).ToArray());
    }

    [Fact]
    public async Task RunAsync_DeliveryFailsThenIsRetried_SendsOnceAndNotAgainOnRepeat()
    {
        AlertOwnerActivity activity = await ActivityAsync();
        failuresLeft = 1;

        // The first try fails (the orchestrator's retry policy calls again); meanwhile another run's failure is held back.
        await Assert.ThrowsAsync<HttpRequestException>(() => activity.RunAsync(Failure(1), CancellationToken.None));
        Assert.False(await activity.RunAsync(Failure(2), CancellationToken.None));
        Assert.True(await activity.RunAsync(Failure(1), CancellationToken.None));

        // A repeat of the delivered activity (host crashed before the orchestrator recorded it) sends nothing.
        Assert.False(await activity.RunAsync(Failure(1), CancellationToken.None));
        Assert.Single(received);
    }

    [Fact]
    public async Task RunAsync_ChannelNotConfigured_SendsNothing()
    {
        AlertOwnerActivity activity = await ActivityAsync();

        Assert.False(await activity.RunAsync(Failure(1) with { Channel = "nowhere" }, CancellationToken.None));
        Assert.Empty(received);
    }
}
