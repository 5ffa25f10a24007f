using System.Text.RegularExpressions;

namespace StreamCanvas.Orchestration;

/// <summary>
/// Ends a run as Failed. The message leads with the step and reason so they survive into the orchestration's
/// failure details; the custom status carries them as fields.
/// </summary>
public sealed partial class WorkflowFailedException(string stepId, string reason, string detail)
    : Exception($"Step '{stepId}' failed ({reason}): {detail}")
{
    public string StepId { get; } = stepId;
    public string Reason { get; } = reason;
    public string Detail { get; } = detail;

    /// <summary>Reads a failure back from its message (a sub-workflow's failure reaches its parent as text).</summary>
    public static (string StepId, string Reason, string Detail)? TryParse(string? message)
    {
        Match match = message is null ? Match.Empty : MessageFormat().Match(message);
        return match.Success ? (match.Groups[1].Value, match.Groups[2].Value, match.Groups[3].Value) : null;
    }

    [GeneratedRegex(@"^Step '([^']*)' failed \(([^)]*)\): (.*)$", RegexOptions.Singleline)]
    private static partial Regex MessageFormat();
}
