namespace StreamCanvas.Activities.Notices;

/// <summary>Configuration section "Approvals".</summary>
public sealed class ApprovalOptions
{
    public const string Section = "Approvals";

    /// <summary>The <c>notify</c> value of a level whose approvers get no notice (they decide from the pending list or the dashboard).</summary>
    public const string NoNotice = "none";

    /// <summary>HMAC key for decision tokens (Key Vault reference in Azure). Required outside Development.</summary>
    public string SigningKey { get; set; } = string.Empty;

    /// <summary>Where approval links point: the app's public base URL.</summary>
    public string PublicBaseUrl { get; set; } = "http://localhost:7071";

    /// <summary>How long a decision token stays valid after the level's deadline (clock skew, late clicks).</summary>
    public int TokenGraceMinutes { get; set; } = 5;

    /// <summary>Incoming-webhook URLs by name, referenced by an escalation level's "notify".</summary>
    public Dictionary<string, string> Webhooks { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Approver groups by name, referenced by an escalation level's "group": addresses separated by commas or semicolons.</summary>
    public Dictionary<string, string> Groups { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Who may decide at a level: its approvers and the members of its group, as configured now.</summary>
    public IReadOnlyList<string> MembersOf(IReadOnlyList<string> approvers, string? group)
    {
        IEnumerable<string> members = group is not null && Groups.TryGetValue(group, out string? list)
            ? list.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
        return [.. approvers.Concat(members).Distinct(StringComparer.OrdinalIgnoreCase)];
    }
}
