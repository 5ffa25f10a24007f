using System.Text.Json.Nodes;

namespace StreamCanvas.Activities.Notices;

/// <summary>What the notify activity sends to a level's approvers when a gate opens, escalates or reminds.</summary>
public sealed record ApprovalNotice(
    StepIdentity Step,
    string GateId,
    string Kind,
    int LevelIndex,
    string LevelName,
    IReadOnlyList<string> Approvers,
    string? Group,
    string? Webhook,
    DateTime Deadline,
    JsonObject Snapshot,
    string SnapshotHash,
    IReadOnlyList<string> Criteria)
{
    /// <summary>The run's execution the links are signed for (see Orchestration.WorkflowRunRequest.ExecutionId).</summary>
    public string ExecutionId { get; init; } = "";
}

public static class NoticeKinds
{
    public const string Opened = "opened";
    public const string Escalated = "escalated";
    public const string Reminder = "reminder";
}
