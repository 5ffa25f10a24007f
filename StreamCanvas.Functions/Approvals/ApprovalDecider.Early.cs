using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace StreamCanvas.Approvals;

/// <summary>A decision that arrives before its gate's status is visible.</summary>
public sealed partial class ApprovalDecider
{
    /// <summary>
    /// A gate whose status is not visible yet is opening at its first level: the decision passes the same rules
    /// (identity, level, criteria from the definition) and the same claim, and is raised; Durable keeps the event
    /// until the gate waits for it, and the gate checks the snapshot hash itself.
    /// </summary>
    async Task<DecisionOutcome> DecideEarlyAsync(
        string instanceId, string gateId, ApproverIdentity who, GateRules rules, JsonNode? body, DurableTaskClient client, CancellationToken cancellationToken)
    {
        DecisionOutcome outcome = await ClaimAndRaiseAsync(instanceId, gateId, who, rules, body, client, cancellationToken);
        if (outcome.Result != DecisionResult.Accepted)
        {
            return outcome;
        }

        await store.RecordEarlyAsync(instanceId, gateId, outcome.Decision!, cancellationToken);
        LogEarly(instanceId, gateId, outcome.Decision!.Decision, outcome.Decision.Approver);
        return outcome with { Result = DecisionResult.AcceptedEarly, Detail = "the gate has not opened yet; the decision applies when it does" };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Kept an early decision for run {InstanceId} gate {GateId}: {Decision} by {Approver}")]
    partial void LogEarly(string instanceId, string gateId, string decision, string approver);
}
