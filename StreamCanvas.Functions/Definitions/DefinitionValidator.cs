using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace StreamCanvas.Definitions;

/// <summary>
/// The checks a JSON Schema cannot express: transitions and references point at real steps, templates parse,
/// conditions are well formed, and the step graph has no cycle (request-changes loops are bounded, so allowed).
/// </summary>
public static class DefinitionValidator
{
    public static IReadOnlyList<DefinitionError> Validate(WorkflowDefinition definition)
    {
        var errors = new List<DefinitionError>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var inputFields = DeclaredInputFields(definition.InputSchema);

        for (int i = 0; i < definition.Steps.Count; i++)
        {
            WorkflowStep step = definition.Steps[i];
            if (step.Id == StepIds.End)
            {
                errors.Add(new($"/steps/{i}/id", $"'{StepIds.End}' is reserved for ending a run"));
            }
            else if (!ids.Add(step.Id))
            {
                errors.Add(new($"/steps/{i}/id", $"duplicate step id '{step.Id}'"));
            }
        }

        var context = new Checker(errors, ids, inputFields);
        for (int i = 0; i < definition.Steps.Count; i++)
        {
            CheckStep(definition.Steps[i], $"/steps/{i}", context);
        }

        for (int i = 0; i < definition.DefinitionOfDone.Count; i++)
        {
            context.Condition(definition.DefinitionOfDone[i].Condition, $"/definitionOfDone/{i}/condition");
        }

        if (errors.Count == 0)
        {
            FindCycle(definition, errors);
        }

        return errors;
    }

    static void CheckStep(WorkflowStep step, string at, Checker check)
    {
        check.Target(step.Next, $"{at}/next");
        check.Target(step.OnFailure?.Goto, $"{at}/onFailure/goto");
        switch (step)
        {
            case LlmStep llm:
                check.Template(llm.Prompt, $"{at}/prompt");
                check.Template(llm.System, $"{at}/system");
                if (llm.OutputSchema is not null && llm.Output != LlmOutputFormats.Json)
                {
                    check.Add($"{at}/outputSchema", "outputSchema needs \"output\": \"json\"");
                }

                break;
            case ToolStep tool:
                check.Template(tool.Path, $"{at}/path");
                foreach (string text in Template.Strings(tool.Body))
                {
                    check.Template(text, $"{at}/body");
                }

                break;
            case ConditionStep condition:
                for (int b = 0; b < condition.Branches.Count; b++)
                {
                    check.Condition(condition.Branches[b].When, $"{at}/branches/{b}/when");
                    check.Target(condition.Branches[b].Goto, $"{at}/branches/{b}/goto");
                }

                check.Target(condition.Else, $"{at}/else");
                break;
            case ApprovalStep approval:
                for (int c = 0; c < approval.Context.Count; c++)
                {
                    check.Path(approval.Context[c], $"{at}/context/{c}");
                }

                check.Target(approval.OnReject, $"{at}/onReject");
                if (approval.RequestChanges is { } changes)
                {
                    check.Target(changes.Goto, $"{at}/requestChanges/goto", allowEnd: false);
                }

                for (int l = 0; l < approval.Escalation.Count; l++)
                {
                    EscalationLevel level = approval.Escalation[l];

                    // An open gate shows its criteria and the level's approvers in the run's status, which has a hard size limit.
                    int details = JsonSize.Of(approval.Criteria) + JsonSize.Of(new { level.Name, level.Approvers, level.Group });
                    if (details > JsonSize.MaxGateDetailsChars)
                    {
                        check.Add($"{at}/escalation/{l}", $"the criteria with this level's name, approvers and group take {details} characters; at most {JsonSize.MaxGateDetailsChars} fit a run's status (use a group for a long list of approvers, or shorter criteria)");
                    }

                    if (!Durations.TryParse(level.Timeout, out TimeSpan timeout))
                    {
                        check.Add($"{at}/escalation/{l}/timeout", $"'{level.Timeout}' is not a positive ISO 8601 duration");
                        continue;
                    }

                    for (int r = 0; r < level.Reminders.Count; r++)
                    {
                        if (!Durations.TryParse(level.Reminders[r], out TimeSpan reminder) || reminder >= timeout)
                        {
                            check.Add($"{at}/escalation/{l}/reminders/{r}", "a reminder must be a positive duration shorter than the level's timeout");
                        }
                    }
                }

                break;
        }
    }

    /// <summary>Top-level input fields the schema declares; null when it declares none (nothing to check against).</summary>
    static IReadOnlySet<string>? DeclaredInputFields(JsonObject inputSchema) =>
        inputSchema["properties"] is JsonObject properties ? properties.Select(p => p.Key).ToHashSet() : null;

    static void FindCycle(WorkflowDefinition definition, List<DefinitionError> errors)
    {
        var state = new Dictionary<string, int>(); // 0 unvisited, 1 on stack, 2 done
        var stack = new List<string>();

        bool Visit(string id)
        {
            state[id] = 1;
            stack.Add(id);
            foreach (string next in Successors(definition, definition.FindStep(id)!))
            {
                int seen = state.GetValueOrDefault(next);
                if (seen == 1)
                {
                    var cycle = stack.Skip(stack.IndexOf(next)).Append(next);
                    int index = definition.Steps.ToList().FindIndex(s => s.Id == id);
                    errors.Add(new($"/steps/{index}", $"steps form a cycle: {string.Join(" -> ", cycle)} (only approval request-changes may loop back)"));
                    return true;
                }

                if (seen == 0 && Visit(next))
                {
                    return true;
                }
            }

            stack.RemoveAt(stack.Count - 1);
            state[id] = 2;
            return false;
        }

        foreach (WorkflowStep step in definition.Steps)
        {
            if (state.GetValueOrDefault(step.Id) == 0 && Visit(step.Id))
            {
                return;
            }
        }
    }

    static IEnumerable<string> Successors(WorkflowDefinition definition, WorkflowStep step)
    {
        var targets = new List<string?> { step.OnFailure?.Goto };
        switch (step)
        {
            case ConditionStep condition:
                targets.AddRange(condition.Branches.Select(b => b.Goto));
                targets.Add(condition.Else);
                break;
            case ApprovalStep approval:
                targets.Add(approval.OnReject);
                targets.Add(definition.NextAfter(step));
                break;
            default:
                targets.Add(definition.NextAfter(step));
                break;
        }

        return targets.OfType<string>().Where(t => t != StepIds.End).Distinct();
    }

    sealed class Checker(List<DefinitionError> errors, IReadOnlySet<string> stepIds, IReadOnlySet<string>? inputFields)
    {
        public void Add(string pointer, string message) => errors.Add(new(pointer, message));

        public void Target(string? target, string pointer, bool allowEnd = true)
        {
            if (target is null || (allowEnd && target == StepIds.End) || stepIds.Contains(target))
            {
                return;
            }

            Add(pointer, $"unknown step '{target}'");
        }

        public void Template(string? template, string pointer)
        {
            if (template is null)
            {
                return;
            }

            (IReadOnlyList<string> paths, IReadOnlyList<string> syntax) = Definitions.Template.Parse(template);
            foreach (string error in syntax)
            {
                Add(pointer, $"bad template: {error}");
            }

            foreach (string path in paths)
            {
                Path(path, pointer);
            }
        }

        public void Path(string path, string pointer)
        {
            string? problem = StatePath.Describe(path, stepIds);
            if (problem is null && inputFields is not null && path.StartsWith(StatePath.InputRoot + ".", StringComparison.Ordinal))
            {
                string field = path.Split('.')[1].Split('[')[0];
                if (!inputFields.Contains(field))
                {
                    problem = $"'{path}' reads input field '{field}', which the input schema does not declare";
                }
            }

            if (problem is not null)
            {
                Add(pointer, problem);
            }
        }

        public void Condition(Condition condition, string pointer)
        {
            int forms = (condition.Path is null ? 0 : 1) + (condition.All is null ? 0 : 1) + (condition.Any is null ? 0 : 1) + (condition.Not is null ? 0 : 1);
            if (forms != 1)
            {
                Add(pointer, "a condition has exactly one of 'path', 'all', 'any' or 'not'");
                return;
            }

            if (condition.Path is not null)
            {
                Path(condition.Path, $"{pointer}/path");
                bool compares = condition.EqualTo is not null || condition.NotEqualTo is not null || condition.AtLeast is not null ||
                    condition.AtMost is not null || condition.In is not null || condition.Exists is not null ||
                    condition.Contains is not null || condition.Matches is not null || condition.MinLength is not null || condition.MaxLength is not null;
                if (!compares)
                {
                    Add(pointer, "a condition on a path needs a test: equals, notEquals, atLeast, atMost, in, exists, contains, matches, minLength or maxLength");
                }

                if (condition.Matches is not null && ConditionRegex.Problem(condition.Matches) is { } problem)
                {
                    Add($"{pointer}/matches", problem);
                }
            }

            for (int i = 0; i < (condition.All?.Count ?? 0); i++)
            {
                Condition(condition.All![i], $"{pointer}/all/{i}");
            }

            for (int i = 0; i < (condition.Any?.Count ?? 0); i++)
            {
                Condition(condition.Any![i], $"{pointer}/any/{i}");
            }

            if (condition.Not is not null)
            {
                Condition(condition.Not, $"{pointer}/not");
            }
        }
    }
}
