namespace StreamCanvas.Definitions;

/// <summary>The reason classes failures are reported and counted by.</summary>
public static class FailureReasons
{
    public const string ModelError = "model-error";
    public const string ModelRateLimited = "model-rate-limited";

    /// <summary>The deployment's quota (Model:Quota) had no room yet: the step waits and calls again, spending no attempt.</summary>
    public const string ModelQuotaWait = "model-quota-wait";
    public const string OutputInvalid = "output-invalid";
    public const string ToolError = "tool-error";
    public const string ToolTimeout = "tool-timeout";
    public const string ToolNotAllowed = "tool-not-allowed";

    /// <summary>An MCP server could not be reached or broke the connection (not a tool's own error, which the model is told).</summary>
    public const string ToolUnavailable = "tool-unavailable";
    public const string ToolResponseTooLarge = "tool-response-too-large";

    /// <summary>A tool answered 3xx: redirects are not followed, since they would carry the connection's headers elsewhere.</summary>
    public const string ToolRedirect = "tool-redirect";
    public const string ActivityError = "activity-error";
    public const string ApprovalTimeout = "approval-timeout";
    public const string ApprovalRejected = "approval-rejected";
    public const string StepLimit = "step-limit";
    public const string Validation = "validation";
    public const string BudgetExceeded = "budget-exceeded";

    /// <summary>A parallel step's join can no longer be met; the message lists each failed branch's reason.</summary>
    public const string JoinFailed = "join-failed";

    /// <summary>More map items failed than the step tolerates; the message lists the first failures.</summary>
    public const string ItemsFailed = "items-failed";

    /// <summary>An agent step's model still called tools after its maxTurns turns.</summary>
    public const string MaxTurnsReached = "max-turns-reached";
}
