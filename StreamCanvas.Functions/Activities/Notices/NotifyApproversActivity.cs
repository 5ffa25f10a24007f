using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamCanvas.Storage;
using StreamCanvas.Telemetry;

namespace StreamCanvas.Activities.Notices;

/// <summary>One approver's own approval link: the token in it names them, so whoever uses it decides as them.</summary>
public sealed record ApproverLink(string Approver, string Url, string ApproveUrl, string RejectUrl);

/// <summary>
/// Tells a level's approvers that a gate waits for them: a message a chat incoming webhook accepts, with the
/// context, the criteria and each approver's own signed link. A level with <c>notify: "none"</c> (or none at
/// all) gets no message; its gate is decided from the pending list or the dashboard. Links are credentials, so
/// they are never logged.
/// </summary>
public sealed partial class NotifyApproversActivity(
    IHttpClientFactory httpClientFactory, ApprovalTokens tokens, IOptions<ApprovalOptions> options, ILogger<NotifyApproversActivity> logger)
    : IDurableActivity<ApprovalNotice, bool>
{
    public const string HttpClientName = "approval-notifications";

    /// <summary>
    /// Chat webhooks refuse large messages (Teams about 28 KB), and a refused notice reaches nobody: each context
    /// value is shortened in the text, and a large snapshot is left out of the message. Approvers read it whole
    /// on the approval page their link opens.
    /// </summary>
    public const int MaxTextValueChars = 500;

    public const int MaxMessageSnapshotChars = 8_000;

    /// <summary>True when the notice reached a webhook; false when the level sends none.</summary>
    public async Task<bool> RunAsync(ApprovalNotice notice, CancellationToken cancellationToken)
    {
        ApprovalOptions settings = options.Value;
        if (notice.Webhook is null || string.Equals(notice.Webhook, ApprovalOptions.NoNotice, StringComparison.OrdinalIgnoreCase))
        {
            LogNoNotice(notice.Step.InstanceId, notice.GateId, notice.Kind, notice.LevelName);
            return false;
        }

        // Startup refuses a definition naming an unconfigured channel; this only trips if configuration changed under a run.
        if (!settings.Webhooks.TryGetValue(notice.Webhook, out string? url))
        {
            throw new InvalidOperationException($"notify channel '{notice.Webhook}' is not configured ({ApprovalOptions.Section}__{nameof(ApprovalOptions.Webhooks)}__{notice.Webhook})");
        }

        IReadOnlyList<ApproverLink> links = LinksFor(notice, settings);
        bool snapshotFits = notice.Snapshot.ToJsonString().Length <= MaxMessageSnapshotChars;
        var message = new
        {
            text = Describe(notice, links), instanceId = notice.Step.InstanceId, gateId = notice.GateId, kind = notice.Kind, level = notice.LevelName,
            deadline = notice.Deadline, links, snapshotHash = notice.SnapshotHash,
            snapshot = snapshotFits ? notice.Snapshot : null, snapshotOmitted = !snapshotFits, criteria = notice.Criteria,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(message) };
        SecretUrls.Mark(request);
        using HttpResponseMessage response = await httpClientFactory.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        if ((int)response.StatusCode is >= 300 and < 400)
        {
            // Redirects are not followed: they would carry the message (and its links) to another host.
            throw new HttpRequestException($"the '{notice.Webhook}' webhook answered {(int)response.StatusCode} (a redirect to {response.Headers.Location?.Host ?? "an unnamed host"}); redirects are not followed");
        }

        response.EnsureSuccessStatusCode();
        return true;
    }

    /// <summary>A link for each member of the level (its approvers and its group's configured members).</summary>
    IReadOnlyList<ApproverLink> LinksFor(ApprovalNotice notice, ApprovalOptions settings)
    {
        var expires = new DateTimeOffset(DateTime.SpecifyKind(notice.Deadline, DateTimeKind.Utc)).AddMinutes(settings.TokenGraceMinutes);
        string gateUrl = $"{settings.PublicBaseUrl.TrimEnd('/')}/api/approvals/{Uri.EscapeDataString(notice.Step.InstanceId)}/{Uri.EscapeDataString(notice.GateId)}";
        return [.. settings.MembersOf(notice.Approvers, notice.Group).Select(approver =>
        {
            string token = tokens.Issue(new TokenClaims(notice.Step.InstanceId, notice.ExecutionId, notice.GateId, notice.LevelIndex, approver, expires));
            string url = $"{gateUrl}?token={Uri.EscapeDataString(token)}";
            return new ApproverLink(approver, url, $"{url}&decision={Decisions.Approve}", $"{url}&decision={Decisions.Reject}");
        })];
    }

    static string Describe(ApprovalNotice notice, IReadOnlyList<ApproverLink> links)
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"{notice.Kind switch { NoticeKinds.Escalated => "Escalated: a", NoticeKinds.Reminder => "Reminder: a", _ => "A" }}pproval is waiting for {notice.LevelName} in {notice.Step.Workflow} run {notice.Step.InstanceId} (gate {notice.GateId}), due {notice.Deadline:u}.")
            .AppendLine("Context:");
        foreach ((string path, var value) in notice.Snapshot)
        {
            string shown = value?.ToJsonString() ?? "null";
            text.AppendLine(shown.Length <= MaxTextValueChars
                ? FormattableString.Invariant($"- {path}: {shown}")
                : FormattableString.Invariant($"- {path}: {shown[..MaxTextValueChars]}… ({shown.Length - MaxTextValueChars} more characters: read it whole at your link below)"));
        }

        if (notice.Criteria.Count > 0)
        {
            text.AppendLine("Confirm each criterion:");
            foreach (string criterion in notice.Criteria)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- [ ] {criterion}");
            }
        }

        if (links.Count == 0)
        {
            return text.AppendLine("No approver is configured for this level: decide from the pending list.").ToString();
        }

        text.AppendLine("Open your own link to review and decide (each link decides as the person it names; do not forward it):");
        foreach (ApproverLink link in links)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {link.Approver}: {link.Url}");
        }

        return text.ToString();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Approval {Kind} for run {InstanceId} gate {GateId} at level {Level}: no notice is sent (decide from the pending list or the dashboard)")]
    partial void LogNoNotice(string instanceId, string gateId, string kind, string level);
}
