namespace StreamCanvas.Approvals;

/// <summary>How decisions wait on the run; not bound from configuration (nothing an operator needs to tune).</summary>
public sealed class ApprovalDecisionOptions
{
    /// <summary>How long a decision waits for its gate's status to be published before it is kept as early.</summary>
    public TimeSpan GateVisibilityWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the run's status is read meanwhile.</summary>
    public TimeSpan GateVisibilityPoll { get; set; } = TimeSpan.FromMilliseconds(200);
}
