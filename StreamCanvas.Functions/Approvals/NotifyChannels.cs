using StreamCanvas.Activities.Notices;
using StreamCanvas.Definitions;

namespace StreamCanvas.Approvals;

/// <summary>
/// Every escalation level's <c>notify</c> names a configured webhook or <c>"none"</c>: a name with nothing behind
/// it would leave approvers without a notice, so startup refuses it with the file and JSON Pointer of the level.
/// </summary>
public static class NotifyChannels
{
    public static WorkflowCatalog Check(WorkflowCatalog catalog, ApprovalOptions options)
    {
        foreach (LoadedWorkflow workflow in catalog.All)
        {
            var errors = new List<DefinitionError>();
            IReadOnlyList<WorkflowStep> steps = workflow.Definition.Steps;
            for (int step = 0; step < steps.Count; step++)
            {
                IEnumerable<(IReadOnlyList<EscalationLevel> Levels, string At)> gates = steps[step] switch
                {
                    ApprovalStep approval => [(approval.Escalation, $"/steps/{step}")],
                    AgentStep agent => agent.Tools.Select((tool, t) => (tool.Approval?.Escalation ?? [], $"/steps/{step}/tools/{t}/approval")),
                    _ => [],
                };
                foreach ((IReadOnlyList<EscalationLevel> levels, string at) in gates)
                {
                    for (int level = 0; level < levels.Count; level++)
                    {
                        string? notify = levels[level].Notify;
                        if (notify is not null && !string.Equals(notify, ApprovalOptions.NoNotice, StringComparison.OrdinalIgnoreCase) && !options.Webhooks.ContainsKey(notify))
                        {
                            errors.Add(new DefinitionError($"{at}/escalation/{level}/notify",
                                $"notify channel '{notify}' is not configured: set {ApprovalOptions.Section}__{nameof(ApprovalOptions.Webhooks)}__{notify}, or use \"{ApprovalOptions.NoNotice}\""));
                        }
                    }
                }
            }

            if (errors.Count > 0)
            {
                throw new WorkflowDefinitionException(workflow.SourceFile, errors);
            }
        }

        return catalog;
    }
}
