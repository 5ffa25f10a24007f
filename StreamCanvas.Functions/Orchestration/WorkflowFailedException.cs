namespace StreamCanvas.Orchestration;

/// <summary>
/// Ends a run as Failed. The message leads with the step and reason so they survive into the orchestration's
/// failure details; the custom status carries them as fields.
/// </summary>
public sealed class WorkflowFailedException(string stepId, string reason, string detail)
    : Exception($"Step '{stepId}' failed ({reason}): {detail}")
{
    public string StepId { get; } = stepId;
    public string Reason { get; } = reason;
    public string Detail { get; } = detail;
}
