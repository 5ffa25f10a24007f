using StreamCanvas.Orchestration;
using StreamCanvas.Storage;

namespace StreamCanvas.Tests.Support;

/// <summary>A decision on an open gate as the approval event carries it, from the lead, for raising on the in-process host.</summary>
public static class OpenGateDecisions
{
    public static ApprovalDecision Decide(string decision, OpenGate gate, string comment) => new()
    {
        Decision = decision,
        Approver = "lead@example.com",
        Comment = comment,
        SnapshotHash = gate.SnapshotHash,
        Level = gate.LevelIndex,
        DecidedAt = DateTime.UtcNow,
    };
}
