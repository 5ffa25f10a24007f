using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Storage;

namespace StreamCanvas.Activities.Alerts;

/// <summary>
/// Posts an owner alert to its webhook channel (Approvals:Webhooks), once per workflow, condition and window
/// (<see cref="IAlertClaims"/>). A failed post throws, so the orchestrator's retry policy delivers it later; the
/// claim stays with this run, so the retry sends it and nothing else does in the meantime.
/// </summary>
public sealed partial class AlertOwnerActivity(
    IHttpClientFactory httpClientFactory, IAlertClaims claims, IOptions<ApprovalOptions> approvals, IOptions<AlertOptions> options, ILogger<AlertOwnerActivity> logger)
    : IDurableActivity<OwnerAlert, bool>
{
    public const string HttpClientName = "owner-alerts";

    /// <summary>True when this call sent the alert; false when it was held back (window) or had nowhere to go.</summary>
    public async Task<bool> RunAsync(OwnerAlert alert, CancellationToken cancellationToken)
    {
        if (!approvals.Value.Webhooks.TryGetValue(alert.Channel, out string? url))
        {
            LogNoChannel(alert.Workflow, alert.InstanceId, alert.Condition, alert.Channel);
            return false;
        }

        TimeSpan window = AlertConditions.IsDaily(alert.Condition) ? TimeSpan.FromDays(1) : TimeSpan.FromMinutes(Math.Max(1, options.Value.WindowMinutes));
        DateTime windowStart = WindowStart(alert.OccurredAt, window);
        string conditionKey = $"{alert.Condition}|{windowStart.ToString("yyyyMMddTHHmm", CultureInfo.InvariantCulture)}";
        AlertClaim claim = await claims.ClaimAsync(alert.Workflow, conditionKey, alert.InstanceId, cancellationToken);
        if (!claim.Send)
        {
            LogHeldBack(alert.Workflow, alert.InstanceId, alert.Condition, claim.AlreadyDelivered ? "already delivered" : "already alerted in this window");
            return false;
        }

        string runUrl = $"{approvals.Value.PublicBaseUrl.TrimEnd('/')}/api/runs/{Uri.EscapeDataString(alert.InstanceId)}";
        var message = new
        {
            text = Describe(alert, runUrl, windowStart),
            workflow = alert.Workflow,
            version = alert.Version,
            condition = alert.Condition,
            instanceId = alert.InstanceId,
            step = alert.StepId,
            reason = alert.Reason,
            detail = alert.Message,
            occurredAt = alert.OccurredAt,
            windowStart,
            runUrl,
            historyUrl = runUrl + "/history",
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(message) };

        // Lets a receiver drop the rare duplicate: a crash between the post and recording it resends the same key.
        request.Headers.TryAddWithoutValidation("Idempotency-Key", $"{alert.Workflow}|{conditionKey}");
        using HttpResponseMessage response = await httpClientFactory.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        await claims.MarkDeliveredAsync(alert.Workflow, conditionKey, cancellationToken);
        LogSent(alert.Workflow, alert.InstanceId, alert.Condition, alert.Channel);
        return true;
    }

    public static DateTime WindowStart(DateTime at, TimeSpan window) =>
        new(at.Ticks - (at.Ticks % window.Ticks), DateTimeKind.Utc);

    static string Describe(OwnerAlert alert, string runUrl, DateTime windowStart) =>
        alert.Condition switch
        {
            AlertConditions.RunFailed =>
                $"{alert.Workflow} {alert.Version}: run {alert.InstanceId} failed at step '{alert.StepId}' ({alert.Reason}): {alert.Message}\n" +
                $"Run: {runUrl}\nFurther failures of this workflow until the window that began {windowStart:u} ends are not alerted again.",
            AlertConditions.DailyBudgetWarning or AlertConditions.DailyBudgetExhausted or AlertConditions.DoneRateLow =>
                $"{alert.Workflow} {alert.Version}: {alert.Message}\nLatest run: {runUrl}",
            _ => $"{alert.Workflow} {alert.Version}: {alert.Condition} in run {alert.InstanceId}: {alert.Message}\nRun: {runUrl}",
        };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Owner alert {Condition} for {Workflow} (run {InstanceId}) has no channel: Approvals:Webhooks:{Channel} is not configured")]
    partial void LogNoChannel(string workflow, string instanceId, string condition, string channel);

    [LoggerMessage(Level = LogLevel.Information, Message = "Owner alert {Condition} for {Workflow} (run {InstanceId}) held back: {Why}")]
    partial void LogHeldBack(string workflow, string instanceId, string condition, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Owner alert {Condition} for {Workflow} (run {InstanceId}) sent to {Channel}")]
    partial void LogSent(string workflow, string instanceId, string condition, string channel);
}
