using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamCanvas.Storage;

namespace StreamCanvas.Activities.Notices;

/// <summary>
/// Tells a level's approvers that a gate waits for them: a message a chat incoming webhook accepts, with the
/// context, the criteria and signed approve/reject links. Without a webhook configured, the notice is logged.
/// </summary>
public sealed partial class NotifyApproversActivity(
    IHttpClientFactory httpClientFactory, ApprovalTokens tokens, IOptions<ApprovalOptions> options, ILogger<NotifyApproversActivity> logger)
    : IDurableActivity<ApprovalNotice, bool>
{
    public const string HttpClientName = "approval-notifications";

    /// <summary>
    /// Chat webhooks refuse large messages (Teams about 28 KB), and a refused notice reaches nobody: each context
    /// value is shortened in the text, and a large snapshot is left out of the message. Approvers read it whole
    /// at the approval link (GET on the decision URL, with the same token).
    /// </summary>
    public const int MaxTextValueChars = 500;

    public const int MaxMessageSnapshotChars = 8_000;

    public async Task<bool> RunAsync(ApprovalNotice notice, CancellationToken cancellationToken)
    {
        ApprovalOptions settings = options.Value;
        string token = tokens.Issue(notice.Step.InstanceId, notice.GateId, notice.LevelIndex, notice.Deadline.AddMinutes(settings.TokenGraceMinutes));
        string decisionUrl = $"{settings.PublicBaseUrl.TrimEnd('/')}/api/approvals/{Uri.EscapeDataString(notice.Step.InstanceId)}/{Uri.EscapeDataString(notice.GateId)}?token={Uri.EscapeDataString(token)}";
        string approveUrl = $"{decisionUrl}&decision={Decisions.Approve}";
        string rejectUrl = $"{decisionUrl}&decision={Decisions.Reject}";
        string text = Describe(notice, decisionUrl, approveUrl, rejectUrl);

        if (notice.Webhook is null || !settings.Webhooks.TryGetValue(notice.Webhook, out string? url))
        {
            LogNotice(notice.Step.InstanceId, notice.GateId, notice.Kind, notice.LevelName, string.Join(", ", notice.Approvers), decisionUrl);
            return false;
        }

        bool snapshotFits = notice.Snapshot.ToJsonString().Length <= MaxMessageSnapshotChars;
        var message = new
        {
            text, instanceId = notice.Step.InstanceId, gateId = notice.GateId, kind = notice.Kind, level = notice.LevelName, deadline = notice.Deadline,
            decisionUrl, approveUrl, rejectUrl, snapshotHash = notice.SnapshotHash,
            snapshot = snapshotFits ? notice.Snapshot : null, snapshotOmitted = !snapshotFits, criteria = notice.Criteria,
        };
        using HttpResponseMessage response = await httpClientFactory.CreateClient(HttpClientName).PostAsJsonAsync(url, message, cancellationToken);
        response.EnsureSuccessStatusCode();
        return true;
    }

    static string Describe(ApprovalNotice notice, string decisionUrl, string approveUrl, string rejectUrl)
    {
        var text = new StringBuilder()
            .AppendLine($"{notice.Kind switch { NoticeKinds.Escalated => "Escalated: a", NoticeKinds.Reminder => "Reminder: a", _ => "A" }}pproval is waiting for {notice.LevelName} in {notice.Step.Workflow} run {notice.Step.InstanceId} (gate {notice.GateId}), due {notice.Deadline:u}.")
            .AppendLine("Context:");
        foreach ((string path, var value) in notice.Snapshot)
        {
            string shown = value?.ToJsonString() ?? "null";
            text.AppendLine(shown.Length <= MaxTextValueChars
                ? $"- {path}: {shown}"
                : $"- {path}: {shown[..MaxTextValueChars]}… ({shown.Length - MaxTextValueChars} more characters: read it whole at the link below)");
        }

        if (notice.Criteria.Count > 0)
        {
            text.AppendLine("Confirm each criterion:");
            foreach (string criterion in notice.Criteria)
            {
                text.AppendLine($"- [ ] {criterion}");
            }
        }

        return text
            .AppendLine($"Read the whole gate: GET {decisionUrl}")
            .AppendLine($"Approve: POST {approveUrl}")
            .AppendLine($"Reject: POST {rejectUrl}")
            .AppendLine($"(body: {{ \"approver\", \"comment\", \"criteria\", \"snapshotHash\": \"{notice.SnapshotHash}\" }}; request changes with \"decision\": \"request-changes\")")
            .ToString();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Approval {Kind} for run {InstanceId} gate {GateId} at level {Level} ({Approvers}); no webhook configured. Decision URL: {DecisionUrl}")]
    partial void LogNotice(string instanceId, string gateId, string kind, string level, string approvers, string decisionUrl);
}
