namespace StreamCanvas.Definitions.Readiness;

/// <summary>
/// Checks a definition for the six traits of a production-ready workflow: a clear trigger, a measurable
/// definition of done, tool access, exception handling, human oversight and an owner who gets alerted.
/// Pure: everything it knows about the host arrives in the <see cref="ReadinessEnvironment"/>.
/// </summary>
public static partial class ReadinessAudit
{
    /// <summary>Workflows with at least this many llm steps are model-heavy and should declare token budgets.</summary>
    public const int ModelHeavySteps = 2;

    public static WorkflowReadiness Audit(LoadedWorkflow workflow, ReadinessEnvironment environment)
    {
        WorkflowDefinition definition = workflow.Definition;
        TraitReadiness[] traits =
        [
            TraitReadiness.From(ReadinessTraits.Trigger, Trigger(definition, environment).ToList()),
            TraitReadiness.From(ReadinessTraits.DefinitionOfDone, DefinitionOfDone(definition).ToList()),
            TraitReadiness.From(ReadinessTraits.ToolAccess, ToolAccess(definition, environment).ToList()),
            TraitReadiness.From(ReadinessTraits.ExceptionHandling, ExceptionHandling(definition).ToList()),
            HumanOversight(definition),
            TraitReadiness.From(ReadinessTraits.Ownership, Ownership(definition, environment).ToList()),
        ];

        return new WorkflowReadiness(definition.Name, definition.Version, workflow.ContentHash, traits.Max(t => t.Outcome), traits);
    }

    static IEnumerable<ReadinessFinding> Trigger(WorkflowDefinition definition, ReadinessEnvironment environment)
    {
        // A schedule is a trigger of its own, and its input was checked against the input schema at load.
        string? scheduled = definition.Schedule is { } schedule ? $"schedule '{schedule.Cron}' ({schedule.TimeZone})" : null;
        if (environment.Triggers.Count == 0)
        {
            yield return scheduled is null
                ? new(ReadinessOutcome.Fail, "no trigger is enabled on this host: runs cannot start", "")
                : new(ReadinessOutcome.Pass, $"runs start by {scheduled}, with an input the input schema accepts", "/schedule");
            yield break;
        }

        string how = $"runs start by {string.Join(", ", scheduled is null ? environment.Triggers : [.. environment.Triggers, scheduled])}";
        bool constrained = definition.InputSchema["required"] is System.Text.Json.Nodes.JsonArray { Count: > 0 };
        yield return constrained
            ? new(ReadinessOutcome.Pass, $"{how}; the input schema names the fields a start must carry", "/inputSchema")
            : new(ReadinessOutcome.Warn, $"{how}, but the input schema requires no field, so any payload starts a run", "/inputSchema/required");
    }

    static IEnumerable<ReadinessFinding> DefinitionOfDone(WorkflowDefinition definition)
    {
        if (definition.DefinitionOfDone.Count == 0)
        {
            yield return new(ReadinessOutcome.Fail, "no definition of done: nothing decides whether a completed run did its job", "/definitionOfDone");
            yield break;
        }

        for (int i = 0; i < definition.DefinitionOfDone.Count; i++)
        {
            DoneCriterion criterion = definition.DefinitionOfDone[i];
            string at = $"/definitionOfDone/{i}/condition";
            List<string> paths = criterion.Condition.Paths().ToList();
            if (!paths.Any(p => p.StartsWith(StatePath.StepsRoot + ".", StringComparison.Ordinal)))
            {
                yield return new(ReadinessOutcome.Fail, $"'{criterion.Name}' reads only the input, not anything the workflow produces", at);
            }
            else if (OnlyChecksPresence(criterion.Condition))
            {
                yield return new(ReadinessOutcome.Warn, $"'{criterion.Name}' only checks that a value exists; give it a measure (equals, in, atLeast, minLength, ...)", at);
            }
            else
            {
                yield return new(ReadinessOutcome.Pass, $"'{criterion.Name}' measures {string.Join(", ", paths.Distinct())}", at);
            }
        }
    }

    // A path condition whose only test is "exists": with that test removed, nothing is left.
    static bool OnlyChecksPresence(Condition condition) =>
        condition.Path is not null
            ? condition.Exists is not null && condition with { Path = null, Exists = null } == new Condition()
            : (condition.All ?? []).Concat(condition.Any ?? []).Concat(condition.Not is null ? [] : [condition.Not]).All(OnlyChecksPresence);
}
