using StreamCanvas.Storage;

namespace StreamCanvas.Approvals;

/// <summary>The one place a decision is made from a checked request: every path (normal, early) builds it here.</summary>
public static class DecisionBuilder
{
    public static ApprovalDecision Build(DecisionRequest request, int level, string snapshotHash, DateTimeOffset at) => new()
    {
        Decision = request.Decision, Approver = request.Approver, Comment = request.Comment, Criteria = request.Criteria,
        SnapshotHash = snapshotHash, Level = level, DecidedAt = at.UtcDateTime,
    };
}
