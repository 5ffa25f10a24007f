using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using StreamCanvas.Storage;

namespace StreamCanvas.Approvals;

/// <summary>A decision that arrives before its gate's status is visible.</summary>
public sealed partial class ApprovalDecider
{
    /// <summary>
    /// A decision for a gate whose status is not visible yet is raised anyway: Durable keeps an event until the
    /// run waits for it, and the gate then checks the snapshot hash itself. It is not claimed, so a decision the
    /// gate ignores cannot block the real one.
    /// </summary>
    async Task<DecisionOutcome> KeepEarlyDecisionAsync(string instanceId, string gateId, int level, JsonNode? body, DurableTaskClient client, CancellationToken cancellationToken)
    {
        (DecisionRequest? decided, IReadOnlyList<Definitions.FieldError> errors) = DecisionRequest.Parse(body, gateCriteria: null);
        if (decided is null)
        {
            return DecisionOutcome.Refused(DecisionResult.Invalid, "the decision is not valid", [.. errors]);
        }

        ApprovalDecision decision = DecisionBuilder.Build(decided, level, decided.SnapshotHash, clock.GetUtcNow());
        await store.RecordEarlyAsync(instanceId, gateId, decision, cancellationToken);
        await RaiseAsync(instanceId, gateId, decision, client, cancellationToken);
        LogEarly(instanceId, gateId, decision.Decision, decision.Approver);
        return new DecisionOutcome(DecisionResult.AcceptedEarly, "the gate has not opened yet; the decision applies when it does", decision);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Kept an early decision for run {InstanceId} gate {GateId}: {Decision} by {Approver}")]
    partial void LogEarly(string instanceId, string gateId, string decision, string approver);
}
