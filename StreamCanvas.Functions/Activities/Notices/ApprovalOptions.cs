namespace StreamCanvas.Activities.Notices;

/// <summary>Configuration section "Approvals".</summary>
public sealed class ApprovalOptions
{
    public const string Section = "Approvals";

    /// <summary>HMAC key for decision tokens (Key Vault reference in Azure). Required outside Development.</summary>
    public string SigningKey { get; set; } = string.Empty;

    /// <summary>Where approval links point: the app's public base URL.</summary>
    public string PublicBaseUrl { get; set; } = "http://localhost:7071";

    /// <summary>How long a decision token stays valid after the level's deadline (clock skew, late clicks).</summary>
    public int TokenGraceMinutes { get; set; } = 5;

    /// <summary>Incoming-webhook URLs by name, referenced by an escalation level's "notify".</summary>
    public Dictionary<string, string> Webhooks { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
