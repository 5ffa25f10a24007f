namespace StreamCanvas.Activities.Alerts;

/// <summary>
/// Something a workflow's owner must hear about, sent to the channel named by owner.alerts.
/// <paramref name="OccurredAt"/> comes from the orchestration's clock, so a retried delivery falls in the same window.
/// </summary>
public sealed record OwnerAlert(
    string Workflow,
    string Version,
    string InstanceId,
    string Channel,
    string Condition,
    DateTime OccurredAt,
    string? StepId,
    string? Reason,
    string Message);

/// <summary>The conditions owners are alerted on; each is rate-limited on its own.</summary>
public static class AlertConditions
{
    public const string RunFailed = "run-failed";
    public const string ApprovalEscalated = "approval-escalated";
    public const string ApprovalTimedOut = "approval-timed-out";

    /// <summary>The workflow's daily token budget is 80 % used.</summary>
    public const string DailyBudgetWarning = "daily-budget-80";

    /// <summary>The workflow's daily token budget is used up: llm steps fail with budget-exceeded until tomorrow (UTC).</summary>
    public const string DailyBudgetExhausted = "daily-budget-100";

    /// <summary>The definition-of-done pass rate over the declared window fell below the declared threshold.</summary>
    public const string DoneRateLow = "done-rate-low";

    /// <summary>Budget alerts are about a UTC day, so they are held back for the rest of that day, not for a window.</summary>
    public static bool IsDaily(string condition) => condition is DailyBudgetWarning or DailyBudgetExhausted;
}

/// <summary>Configuration section "Alerts".</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>At most one alert per workflow and condition in a window this long.</summary>
    public int WindowMinutes { get; set; } = 60;
}
