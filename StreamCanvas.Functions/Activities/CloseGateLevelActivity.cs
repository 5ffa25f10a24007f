using StreamCanvas.Storage;

namespace StreamCanvas.Activities;

/// <summary>A gate level whose time ran out, to be closed in the decision table before the gate escalates.</summary>
/// <param name="NextLevel">The level the gate moves to, or <see cref="ApprovalDecisionStore.TimedOutLevel"/> after the last.</param>
public sealed record GateLevelToClose(string InstanceId, string GateId, int Level, int NextLevel);

/// <summary>
/// Closes a gate level in the decision table, so a decision that claimed the level in time (and was answered 202)
/// is the one the gate applies, and a decision that comes later is refused as escalated. Returns the claimed
/// decision, or null when the level closed without one.
/// </summary>
public sealed class CloseGateLevelActivity(ApprovalDecisionStore store) : IDurableActivity<GateLevelToClose, ApprovalDecision?>
{
    public Task<ApprovalDecision?> RunAsync(GateLevelToClose request, CancellationToken cancellationToken) =>
        store.CloseLevelAsync(request.InstanceId, request.GateId, request.Level, request.NextLevel, cancellationToken);
}
