using StreamCanvas.Definitions;

namespace StreamCanvas.Telemetry;

/// <summary>
/// Groups the many failure reasons into the few classes dashboards count, so a new reason does not add a
/// series nobody charts.
/// </summary>
public static class FailureClasses
{
    public const string ApprovalTimeout = "approval-timeout";
    public const string ApprovalRejected = "approval-rejected";
    public const string ModelError = "model-error";
    public const string ToolError = "tool-error";
    public const string Validation = "validation";
    public const string CriteriaNotMet = "criteria-not-met";
    public const string Other = "other";

    public static string Of(string reason) => reason switch
    {
        FailureReasons.ApprovalTimeout => ApprovalTimeout,
        FailureReasons.ApprovalRejected => ApprovalRejected,
        FailureReasons.ModelError or FailureReasons.ModelRateLimited or FailureReasons.BudgetExceeded => ModelError,
        FailureReasons.ToolError or FailureReasons.ToolTimeout or FailureReasons.ToolNotAllowed or FailureReasons.ToolUnavailable
            or FailureReasons.ToolRedirect or FailureReasons.ToolResponseTooLarge => ToolError,
        FailureReasons.OutputInvalid or FailureReasons.Validation or FailureReasons.StepLimit => Validation,
        CriteriaNotMet => CriteriaNotMet,
        _ => Other,
    };
}
