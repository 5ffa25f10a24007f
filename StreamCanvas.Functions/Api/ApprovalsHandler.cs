using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Storage;

namespace StreamCanvas.Api;

/// <summary>
/// POST /api/approvals/{instanceId}/{gateId}: the signed decision webhook. The token is the only credential;
/// the decision is claimed atomically in table storage before it is raised to the run, so exactly one wins.
/// GET /api/approvals?status=pending: every open gate across runs, for approvers and operators.
/// </summary>
public sealed partial class ApprovalsHandler(
    ApprovalTokens tokens, ApprovalDecisionStore store, ApprovalSnapshotStore snapshots, TimeProvider clock, ILogger<ApprovalsHandler> logger, IHostEnvironment? environment = null)
{
    public const string TokenHeader = "X-Approval-Token";
    public const string PendingStatus = "pending";

    public async Task<IResult> DecideAsync(HttpRequest request, string instanceId, string gateId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        (TokenCheck token, OrchestrationMetadata? run, IResult? refused) = await AuthorizeAsync(request, instanceId, gateId, client, cancellationToken);
        if (run is null)
        {
            return refused!;
        }

        OpenGate? gate = OpenGateOf(run, gateId);
        if (await store.FindAsync(instanceId, gateId, cancellationToken) is { } recorded)
        {
            if (gate is not null)
            {
                // The claim was recorded but the gate is still open: the winner may have crashed before raising
                // its event. Raising the recorded decision again is harmless (one listener per gate opening).
                await client.RaiseEventAsync(instanceId, ApprovalEvents.ForGate(gateId), recorded, cancellationToken);
            }

            return AlreadyDecided(gateId, recorded);
        }

        if (gate is null && MayStillOpen(run, gateId))
        {
            // The token proves the orchestrator opened this gate, but its status may not be written yet (the
            // notice can go out before the checkpoint that publishes the gate). Give the checkpoint a moment.
            (run, gate) = await WaitForGateAsync(client, instanceId, gateId, run, cancellationToken);
        }

        if (gate is null)
        {
            if (MayStillOpen(run, gateId))
            {
                return await KeepEarlyDecisionAsync(request, instanceId, gateId, token.Level, client, cancellationToken);
            }

            // A signed token means this gate did open once; a decision that can no longer apply is kept, not dropped.
            string reason = run.IsActive()
                ? $"run '{instanceId}' has no open approval gate '{gateId}' (it closed without this decision)"
                : $"run '{instanceId}' has finished ({run.RuntimeStatus}); gate '{gateId}' will never open again";
            await store.RecordRefusalAsync(instanceId, gateId, reason, await ReadTextAsync(request, cancellationToken), clock.GetUtcNow(), cancellationToken);
            LogRefused(instanceId, gateId, reason);
            return run.IsActive()
                ? Problems.NotFound(reason)
                : Problems.Of(StatusCodes.Status410Gone, "Run finished", reason);
        }

        if (token.Level != gate.LevelIndex)
        {
            return Forbidden($"the token is for escalation level {token.Level}; gate '{gateId}' is now at level {gate.LevelIndex} ({gate.Level})", "token", "issued for another level");
        }

        (JsonNode? body, IResult? bodyProblem) = await ReadDecisionAsync(request, cancellationToken);
        if (bodyProblem is not null)
        {
            return bodyProblem;
        }

        (DecisionRequest? decided, IReadOnlyList<FieldError> errors) = DecisionRequest.Parse(body, gate.Criteria ?? []);
        if (decided is null)
        {
            return Problems.BadRequest("the decision is not valid", [.. errors]);
        }

        if (!string.Equals(decided.SnapshotHash, gate.SnapshotHash, StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Of(StatusCodes.Status409Conflict, "Snapshot mismatch",
                "the snapshot you reviewed is not the one this gate waits on; reload it and review again",
                [new FieldError("/snapshotHash", "does not match the gate's snapshot")]);
        }

        if (gate.Approvers.Count > 0 && !gate.Approvers.Contains(decided.Approver, StringComparer.OrdinalIgnoreCase))
        {
            return Forbidden($"'{decided.Approver}' is not an approver at level {gate.Level}", "/approver", "not on this level's approvers");
        }

        var decision = new ApprovalDecision
        {
            Decision = decided.Decision, Approver = decided.Approver, Comment = decided.Comment, Criteria = decided.Criteria,
            SnapshotHash = gate.SnapshotHash, Level = gate.LevelIndex, DecidedAt = clock.GetUtcNow().UtcDateTime,
        };
        if (await store.TryClaimAsync(instanceId, gateId, decision, cancellationToken) is { } winner)
        {
            return AlreadyDecided(gateId, winner);
        }

        await client.RaiseEventAsync(instanceId, ApprovalEvents.ForGate(gateId), decision, cancellationToken);
        LogDecided(instanceId, gateId, decision.Decision, decision.Approver, gate.Level);
        return Results.Accepted(RunLinks.For(request, instanceId).Status, new DecisionAccepted(instanceId, gateId, decision, RunLinks.For(request, instanceId, gateId)));
    }

    public async Task<IResult> ListAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        string status = request.Query["status"].ToString() is { Length: > 0 } given ? given : PendingStatus;
        if (status != PendingStatus)
        {
            return Problems.BadRequest($"status '{status}' is not supported", new FieldError("status", $"only '{PendingStatus}'"));
        }

        DateTime now = clock.GetUtcNow().UtcDateTime;
        var pending = new List<PendingApproval>();
        // The gate lives in the custom status, which the client only reads along with inputs and outputs.
        var query = new OrchestrationQuery { Statuses = [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending], FetchInputsAndOutputs = true };
        await foreach (OrchestrationMetadata run in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            // Approvals in parallel branches can have several gates open on one run (and one branch may be retrying
            // a step meanwhile, so the run's state alone does not say whether a gate is open).
            RunStatus? runStatus = run.ReadCustomStatusAs<RunStatus>();
            foreach (OpenGate open in runStatus?.OpenGates() ?? [])
            {
                OpenGate gate = await snapshots.WithSnapshotAsync(run.InstanceId, open, cancellationToken);
                pending.Add(Pending(request, run.InstanceId, runStatus!, gate, now) with
                {
                    // Lets the dashboard approve and reject on a developer's machine through the same signed webhook;
                    // elsewhere the token only ever travels in the notification sent to the level's approvers.
                    DecisionToken = environment?.IsDevelopment() == true ? tokens.Issue(run.InstanceId, gate.GateId, gate.LevelIndex, new DateTimeOffset(DateTime.SpecifyKind(gate.Deadline, DateTimeKind.Utc))) : null,
                });
            }
        }

        return Results.Ok(pending.OrderBy(p => p.Deadline).ToList());
    }

    static PendingApproval Pending(HttpRequest request, string instanceId, RunStatus runStatus, OpenGate gate, DateTime now) => new(
        instanceId, runStatus.Workflow, runStatus.Gates is null ? runStatus.CurrentStep : StepOf(gate.GateId), gate.GateId, gate.Level, gate.LevelIndex, gate.Approvers, gate.Group,
        gate.OpenedAt, gate.Deadline, Math.Max(0, (now - gate.OpenedAt).TotalSeconds), gate.Snapshot, gate.SnapshotHash, gate.Criteria ?? [],
        RunLinks.For(request, instanceId, gate.GateId));

    static string? TokenOf(HttpRequest request)
    {
        if (request.Query["token"].ToString() is { Length: > 0 } query)
        {
            return query;
        }

        string authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        return request.Headers[TokenHeader].ToString() is { Length: > 0 } header ? header : null;
    }

    /// <summary>
    /// The link's token checked and its run loaded: what showing and deciding a gate both start with. Run is null
    /// exactly when Problem says why.
    /// </summary>
    async Task<(TokenCheck Token, OrchestrationMetadata? Run, IResult? Problem)> AuthorizeAsync(
        HttpRequest request, string instanceId, string gateId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        TokenCheck token = tokens.Check(TokenOf(request), instanceId, gateId);
        if (TokenProblem(request, token) is { } refused)
        {
            return (token, null, refused);
        }

        OrchestrationMetadata? run = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        return run is null ? (token, null, Problems.NotFound($"no run with id '{instanceId}'")) : (token, run, null);
    }

    /// <summary>401 for a token that is missing or not signed for this run and gate, 403 for an expired one.</summary>
    static IResult? TokenProblem(HttpRequest request, TokenCheck token)
    {
        if (token.Status == TokenStatus.Invalid)
        {
            request.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return Problems.Of(StatusCodes.Status401Unauthorized, "Unauthorized",
                "this route needs the token from the approval link, valid for this run and gate (?token=, Authorization: Bearer or X-Approval-Token)",
                [new FieldError("token", "missing, malformed or not signed for this run and gate")]);
        }

        return token.Status == TokenStatus.Expired
            ? Forbidden("the decision token has expired; use the link from the latest notification", "token", "expired")
            : null;
    }

    static IResult Forbidden(string detail, string field, string message) =>
        Problems.Of(StatusCodes.Status403Forbidden, "Forbidden", detail, [new FieldError(field, message)]);

    static IResult AlreadyDecided(string gateId, ApprovalDecision recorded) =>
        Problems.Conflict($"gate '{gateId}' was already decided: {recorded.Decision} by {recorded.Approver}",
            new Dictionary<string, object?> { ["decision"] = recorded });

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {InstanceId} gate {GateId}: {Decision} by {Approver} at level {Level}")]
    partial void LogDecided(string instanceId, string gateId, string decision, string approver, string level);

    /// <summary>
    /// The decision body; the approve and reject links carry the decision in the query (?decision=approve), which
    /// fills the body's "decision" when the body leaves it out.
    /// </summary>
    static async Task<(JsonNode? Body, IResult? Problem)> ReadDecisionAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        (JsonNode? body, IResult? problem) = await JsonBody.ReadAsync(request, cancellationToken);
        if (problem is null && body is JsonObject fields && fields["decision"] is null && request.Query["decision"].ToString() is { Length: > 0 } fromLink)
        {
            fields["decision"] = fromLink;
        }

        return (body, problem);
    }

    /// <summary>How long a decision waits for its gate's status to be published before it is kept as early.</summary>
    public static TimeSpan GateVisibilityWait { get; set; } = TimeSpan.FromSeconds(5);

    static OpenGate? OpenGateOf(OrchestrationMetadata run, string gateId) =>
        run.IsActive() ? run.ReadCustomStatusAs<RunStatus>()?.OpenGates().FirstOrDefault(open => open.GateId == gateId) : null;

    /// <summary>The approval step a gate id ("review-2") belongs to.</summary>
    static string StepOf(string gateId) => gateId.LastIndexOf('-') is int dash and > 0 ? gateId[..dash] : gateId;

    /// <summary>
    /// A gate not visible yet may still be opening: the run is running, has not closed this one, its definition has
    /// an approval step of that id, and it waits at no other gate (unless the step is in a parallel branch, where
    /// another branch's gate can be open meanwhile).
    /// </summary>
    static bool MayStillOpen(OrchestrationMetadata run, string gateId)
    {
        if (!run.IsActive() || HasClosed(run, gateId) || run.ReadInputAs<WorkflowRunRequest>()?.Definition is not { } definition)
        {
            return false;
        }

        string stepId = StepOf(gateId);
        bool inBranch = definition.FindStep(stepId) is null;
        return definition.FindStepAnywhere(stepId) is ApprovalStep && (inBranch || run.ReadCustomStatusAs<RunStatus>()?.Gate is null);
    }

    /// <summary>Whether the run's published timeline shows this gate already closed (decided or timed out).</summary>
    static bool HasClosed(OrchestrationMetadata run, string gateId) =>
        run.ReadCustomStatusAs<RunStatus>()?.Timeline?.Any(step => step.Approval?.GateId == gateId) ?? false;

    static async Task<(OrchestrationMetadata Run, OpenGate? Gate)> WaitForGateAsync(
        DurableTaskClient client, string instanceId, string gateId, OrchestrationMetadata run, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + GateVisibilityWait;
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, cancellationToken);
            run = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken) ?? run;
            if (OpenGateOf(run, gateId) is { } gate)
            {
                return (run, gate);
            }

            if (!run.IsActive() || HasClosed(run, gateId))
            {
                break;
            }
        }

        return (run, null);
    }

    /// <summary>
    /// A decision for a gate whose status is not visible yet is raised anyway: Durable keeps an event until the
    /// run waits for it, and the gate then checks the snapshot hash itself. It is not claimed, so a decision the
    /// gate ignores cannot block the real one.
    /// </summary>
    async Task<IResult> KeepEarlyDecisionAsync(HttpRequest request, string instanceId, string gateId, int level, DurableTaskClient client, CancellationToken cancellationToken)
    {
        (JsonNode? body, IResult? bodyProblem) = await ReadDecisionAsync(request, cancellationToken);
        if (bodyProblem is not null)
        {
            return bodyProblem;
        }

        (DecisionRequest? decided, IReadOnlyList<FieldError> errors) = DecisionRequest.Parse(body, gateCriteria: null);
        if (decided is null)
        {
            return Problems.BadRequest("the decision is not valid", [.. errors]);
        }

        var decision = new ApprovalDecision
        {
            Decision = decided.Decision, Approver = decided.Approver, Comment = decided.Comment, Criteria = decided.Criteria,
            SnapshotHash = decided.SnapshotHash, Level = level, DecidedAt = clock.GetUtcNow().UtcDateTime,
        };
        await store.RecordEarlyAsync(instanceId, gateId, decision, cancellationToken);
        await client.RaiseEventAsync(instanceId, ApprovalEvents.ForGate(gateId), decision, cancellationToken);
        LogEarly(instanceId, gateId, decision.Decision, decision.Approver);
        return Results.Accepted(RunLinks.For(request, instanceId).Status,
            new EarlyDecisionAccepted(instanceId, gateId, decision, "the gate has not opened yet; the decision applies when it does", RunLinks.For(request, instanceId, gateId)));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Kept an early decision for run {InstanceId} gate {GateId}: {Decision} by {Approver}")]
    partial void LogEarly(string instanceId, string gateId, string decision, string approver);

    /// <summary>The raw body (bounded) for the refusal record; a malformed body is recorded as it came.</summary>
    static async Task<string?> ReadTextAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var buffer = new char[JsonBody.MaxBytes];
        using var reader = new StreamReader(request.Body, leaveOpen: true);
        int read = await reader.ReadBlockAsync(buffer.AsMemory(), cancellationToken);
        return read == 0 ? null : new string(buffer, 0, read);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a decision for run {InstanceId} gate {GateId}: {Reason}")]
    partial void LogRefused(string instanceId, string gateId, string reason);
}

public sealed record DecisionAccepted(string InstanceId, string GateId, ApprovalDecision Decision, RunLinks Links);

public sealed record EarlyDecisionAccepted(string InstanceId, string GateId, ApprovalDecision Decision, string Note, RunLinks Links);

/// <summary>An open gate as the pending list shows it: where it waits, for whom, since when, until when, on what.</summary>
public sealed record PendingApproval(
    string InstanceId, string Workflow, string? StepId, string GateId, string Level, int LevelIndex, IReadOnlyList<string> Approvers, string? Group,
    DateTime OpenedAt, DateTime Deadline, double AgeSeconds, JsonObject? Snapshot, string SnapshotHash, IReadOnlyList<string> Criteria, RunLinks Links)
{
    /// <summary>Only in Development: a decision token for this level, so the local dashboard can decide.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? DecisionToken { get; init; }
}
