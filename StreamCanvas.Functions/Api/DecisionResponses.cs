using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using StreamCanvas.Approvals;
using StreamCanvas.Storage;

namespace StreamCanvas.Api;

/// <summary>A decision's outcome as JSON: 202 with the decision, or problem+json naming the rule it broke.</summary>
public static class DecisionResponses
{
    public static IResult For(HttpRequest request, string instanceId, string gateId, DecisionOutcome outcome) => outcome.Result switch
    {
        DecisionResult.Accepted => Results.Accepted(RunLinks.For(request, instanceId).Status,
            new DecisionAccepted(instanceId, gateId, outcome.Decision!, RunLinks.For(request, instanceId, gateId))),
        DecisionResult.AcceptedEarly => Results.Accepted(RunLinks.For(request, instanceId).Status,
            new EarlyDecisionAccepted(instanceId, gateId, outcome.Decision!, outcome.Detail, RunLinks.For(request, instanceId, gateId))),
        _ => Problem(request, outcome),
    };

    /// <summary>The problem+json for a refused decision or view.</summary>
    public static IResult Problem(HttpRequest request, DecisionOutcome outcome)
    {
        IReadOnlyList<Definitions.FieldError> errors = outcome.Errors ?? [];
        switch (outcome.Result)
        {
            case DecisionResult.Unauthorized:
                request.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
                return Problems.Of(StatusCodes.Status401Unauthorized, "Unauthorized", outcome.Detail, errors);
            case DecisionResult.Forbidden:
                return Problems.Of(StatusCodes.Status403Forbidden, "Forbidden", outcome.Detail, errors);
            case DecisionResult.Invalid:
                return Problems.BadRequest(outcome.Detail, [.. errors]);
            case DecisionResult.NotFound:
                return Problems.NotFound(outcome.Detail);
            case DecisionResult.Finished:
                return Problems.Of(StatusCodes.Status410Gone, "Run finished", outcome.Detail);
            case DecisionResult.AlreadyDecided:
                return Problems.Conflict(outcome.Detail, new Dictionary<string, object?> { ["decision"] = outcome.Decision });
            case DecisionResult.SnapshotMismatch:
                return Problems.Of(StatusCodes.Status409Conflict, "Snapshot mismatch", outcome.Detail, errors);
            case DecisionResult.Escalated:
                return Problems.Of(StatusCodes.Status409Conflict, "Escalated", outcome.Detail, errors,
                    new Dictionary<string, object?> { ["currentLevel"] = outcome.CurrentLevel });
            case DecisionResult.Suspended:
                return Problems.Of(StatusCodes.Status409Conflict, "Run suspended", outcome.Detail, errors, new Dictionary<string, object?> { ["reason"] = "suspended" });
            default:
                throw new InvalidOperationException($"no response for {outcome.Result}");
        }
    }
}

public sealed record DecisionAccepted(string InstanceId, string GateId, ApprovalDecision Decision, RunLinks Links);

public sealed record EarlyDecisionAccepted(string InstanceId, string GateId, ApprovalDecision Decision, string Note, RunLinks Links);

/// <summary>An open gate as the pending list shows it: where it waits, for whom, since when, until when, on what.</summary>
public sealed record PendingApproval(
    string InstanceId, string Workflow, string? StepId, string GateId, string Level, int LevelIndex, IReadOnlyList<string> Approvers, string? Group,
    DateTime OpenedAt, DateTime Deadline, double AgeSeconds, JsonObject? Snapshot, string SnapshotHash, IReadOnlyList<string> Criteria, RunLinks Links)
{
    /// <summary>Only in Development: a decision token for this level, so the local dashboard can decide.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DecisionToken { get; init; }

    /// <summary>Who <see cref="DecisionToken"/> decides as (the level's first member).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DecisionApprover { get; init; }

    public static PendingApproval Of(HttpRequest request, GateView view) => new(
        view.InstanceId, view.Status.Workflow, view.StepId, view.Gate.GateId, view.Gate.Level, view.Gate.LevelIndex, view.Gate.Approvers,
        view.Gate.Group, view.Gate.OpenedAt, view.Gate.Deadline, Math.Max(0, (view.Now - view.Gate.OpenedAt).TotalSeconds), view.Gate.Snapshot,
        view.Gate.SnapshotHash, view.Gate.Criteria ?? [], RunLinks.For(request, view.InstanceId, view.Gate.GateId))
    {
        DecisionToken = view.DecisionToken, DecisionApprover = view.DecisionApprover,
    };
}
