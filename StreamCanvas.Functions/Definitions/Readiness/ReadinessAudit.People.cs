namespace StreamCanvas.Definitions.Readiness;

public static partial class ReadinessAudit
{
    static TraitReadiness HumanOversight(WorkflowDefinition definition)
    {
        var gates = definition.Steps.SelectMany((step, index) => step switch
        {
            ApprovalStep => [new ReadinessFinding(ReadinessOutcome.Pass, $"approval '{step.Id}' puts a person between the model and the result", $"/steps/{index}")],
            AgentStep agent => agent.Tools.Select((tool, t) => (tool, t)).Where(x => x.tool.Approval is not null).Select(x => new ReadinessFinding(ReadinessOutcome.Pass,
                $"agent '{step.Id}' waits for a person before tool '{x.tool.Label}' runs{(x.tool.RequiresApproval ? "" : " when its approvalWhen rule holds")}", $"/steps/{index}/tools/{x.t}/approval")),
            _ => [],
        }).ToList();
        if (gates.Count > 0)
        {
            return TraitReadiness.From(ReadinessTraits.HumanOversight, gates);
        }

        if (definition.Waivers?.HumanOversight is { } reason)
        {
            return TraitReadiness.From(ReadinessTraits.HumanOversight,
                [new(ReadinessOutcome.Pass, $"waived by the owner: {reason}", "/waivers/humanOversight")], waived: true);
        }

        return TraitReadiness.From(ReadinessTraits.HumanOversight,
            [new(ReadinessOutcome.Fail, "no approval step and no waiver: add an approval, or waivers.humanOversight with the reason none is needed", "/waivers/humanOversight")]);
    }

    static IEnumerable<ReadinessFinding> Ownership(WorkflowDefinition definition, ReadinessEnvironment environment)
    {
        WorkflowOwner owner = definition.Owner;
        if (string.IsNullOrWhiteSpace(owner.Team) || string.IsNullOrWhiteSpace(owner.Contact))
        {
            yield return new(ReadinessOutcome.Fail, "the owner needs a team and a contact", "/owner");
        }
        else if (!owner.Contact.Contains('@', StringComparison.Ordinal) && !Uri.IsWellFormedUriString(owner.Contact, UriKind.Absolute))
        {
            yield return new(ReadinessOutcome.Warn, $"contact '{owner.Contact}' is neither an address nor a URL: who is reached, and how?", "/owner/contact");
        }

        if (owner.Alerts is null)
        {
            yield return new(ReadinessOutcome.Fail, "no alert channel: nobody hears when a run fails (set owner.alerts to a webhook under Approvals:Webhooks)", "/owner/alerts");
        }
        else if (!environment.AlertChannels.Contains(owner.Alerts))
        {
            yield return new(ReadinessOutcome.Fail, $"alert channel '{owner.Alerts}' is not configured (Approvals:Webhooks:{owner.Alerts})", "/owner/alerts");
        }
        else
        {
            yield return new(ReadinessOutcome.Pass, $"{owner.Team} ({owner.Contact}) owns it and is alerted on '{owner.Alerts}'", "/owner/alerts");
        }
    }
}
