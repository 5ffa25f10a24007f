using System.Text.Json.Nodes;

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
        CheckIds(definition.Steps, "/steps", ids, errors);

        var visible = StepLists.Visible(definition.Steps).ToHashSet(StringComparer.Ordinal);
        var context = new Checker(errors, visible, definition.Steps.Select(s => s.Id).ToHashSet(StringComparer.Ordinal), inputFields, InMapBody: false);
        CheckList(definition.Steps, "/steps", context);

        for (int i = 0; i < definition.DefinitionOfDone.Count; i++)
        {
            context.Condition(definition.DefinitionOfDone[i].Condition, $"/definitionOfDone/{i}/condition");
        }

        if (definition.Schedule is not null)
        {
            errors.AddRange(ScheduleChecks.Check(definition.Schedule));
        }

        if (definition.Owner.DoneRateAlert is not null && definition.Owner.Alerts is null)
        {
            errors.Add(new DefinitionError("/owner/doneRateAlert", "a done-rate alert needs a channel to go to: set owner.alerts"));
        }

        if (errors.Count == 0)
        {
            FindCycles(definition.Steps, "/steps", errors);
        }

        return errors;
    }

    /// <summary>Step ids are unique across every nested list, since all outputs share one state.</summary>
    static void CheckIds(IReadOnlyList<WorkflowStep> steps, string at, HashSet<string> ids, List<DefinitionError> errors)
    {
        for (int i = 0; i < steps.Count; i++)
        {
            WorkflowStep step = steps[i];
            if (step.Id == StepIds.End)
            {
                errors.Add(new($"{at}/{i}/id", $"'{StepIds.End}' is reserved for ending a run"));
            }
            else if (!ids.Add(step.Id))
            {
                errors.Add(new($"{at}/{i}/id", $"duplicate step id '{step.Id}'"));
            }

            foreach ((IReadOnlyList<WorkflowStep> inner, string innerAt) in NestedLists(step, $"{at}/{i}"))
            {
                CheckIds(inner, innerAt, ids, errors);
            }
        }
    }

    static IEnumerable<(IReadOnlyList<WorkflowStep> Steps, string At)> NestedLists(WorkflowStep step, string at) => step switch
    {
        ParallelStep parallel => parallel.Branches.Select((b, i) => (b.Steps, $"{at}/branches/{i}/steps")),
        MapStep map => [(map.Steps, $"{at}/steps")],
        _ => [],
    };

    static void CheckList(IReadOnlyList<WorkflowStep> steps, string at, Checker check)
    {
        for (int i = 0; i < steps.Count; i++)
        {
            CheckStep(steps[i], $"{at}/{i}", check);
        }
    }

    static void CheckNested(WorkflowStep step, string at, Checker check)
    {
        switch (step)
        {
            case ParallelStep parallel:
                CheckParallel(parallel, at, check);
                break;
            case MapStep map:
                CheckMap(map, at, check);
                break;
        }
    }

    /// <summary>A branch sees the steps around the parallel step and its own, never a sibling branch's (they run apart).</summary>
    static void CheckParallel(ParallelStep parallel, string at, Checker check)
    {
        var siblings = parallel.Branches.SelectMany(b => StepLists.Visible(b.Steps)).ToHashSet(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        int gateDetails = 0;
        for (int b = 0; b < parallel.Branches.Count; b++)
        {
            ParallelBranch branch = parallel.Branches[b];
            if (!names.Add(branch.Name))
            {
                check.Add($"{at}/branches/{b}/name", $"duplicate branch name '{branch.Name}'");
            }

            var visible = check.Visible.Except(siblings).Concat(StepLists.Visible(branch.Steps)).ToHashSet(StringComparer.Ordinal);
            var branchCheck = check with { Visible = visible, Targets = branch.Steps.Select(s => s.Id).ToHashSet(StringComparer.Ordinal) };
            CheckList(branch.Steps, $"{at}/branches/{b}/steps", branchCheck);
            Unreachable(branch.Steps, $"{at}/branches/{b}/steps", check);
            gateDetails += StepLists.Flatten(branch.Steps).OfType<ApprovalStep>().Sum(GateDetails);
        }

        if (parallel.Join is { Mode: JoinPolicy.AtLeastMode, Count: int least } && (least < 1 || least > parallel.Branches.Count))
        {
            check.Add($"{at}/join/atLeast", $"atLeast must be between 1 and the {parallel.Branches.Count} branch(es)");
        }

        // Gates in branches can be open at once, and every open gate shows in the run's status.
        if (gateDetails > JsonSize.MaxGateDetailsChars)
        {
            check.Add($"{at}/branches", $"the approval steps in these branches take {gateDetails} characters of criteria, approvers and names; open together at most {JsonSize.MaxGateDetailsChars} fit a run's status");
        }
    }

    static void CheckMap(MapStep map, string at, Checker check)
    {
        check.Path(map.Items, $"{at}/items");
        if (FailureTolerance.Parse(map.TolerateFailures) is null)
        {
            check.Add($"{at}/tolerateFailures", "must be a count (e.g. 3) or a percent (e.g. \"10%\")");
        }

        // Items run per item (in chunks on other orchestrations for large maps), where no gate can be decided.
        foreach (ApprovalStep approval in StepLists.Flatten(map.Steps).OfType<ApprovalStep>())
        {
            check.Add($"{at}/steps", $"approval step '{approval.Id}' cannot run inside a map step; put the approval after the map");
        }

        var visible = check.Visible.Concat(StepLists.Visible(map.Steps)).ToHashSet(StringComparer.Ordinal);
        var bodyCheck = check with { Visible = visible, Targets = map.Steps.Select(s => s.Id).ToHashSet(StringComparer.Ordinal), InMapBody = true };
        CheckList(map.Steps, $"{at}/steps", bodyCheck);
        Unreachable(map.Steps, $"{at}/steps", check);
    }

    /// <summary>In a branch or map body, a step nothing leads to is a mistake (the body starts at its first step).</summary>
    static void Unreachable(IReadOnlyList<WorkflowStep> steps, string at, Checker check)
    {
        var reached = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>([steps[0].Id]);
        while (queue.TryDequeue(out string? id))
        {
            if (!reached.Add(id) || StepLists.Find(steps, id) is not { } step)
            {
                continue;
            }

            foreach (string next in Successors(steps, step))
            {
                queue.Enqueue(next);
            }

            if (step is ApprovalStep { RequestChanges: { } changes })
            {
                queue.Enqueue(changes.Goto);
            }
        }

        for (int i = 0; i < steps.Count; i++)
        {
            if (!reached.Contains(steps[i].Id))
            {
                check.Add($"{at}/{i}", $"step '{steps[i].Id}' is never reached (nothing before it leads there)");
            }
        }
    }

    static int GateDetails(ApprovalStep approval) => approval.Escalation.Max(level =>
        JsonSize.Of(approval.Criteria) + JsonSize.Of(new { level.Name, level.Approvers, level.Group }));

    static void CheckStep(WorkflowStep step, string at, Checker check)
    {
        CheckNested(step, at, check);
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
            case SubWorkflowStep sub:
                foreach (string text in Template.Strings(sub.Input))
                {
                    check.Template(text, $"{at}/input");
                }

                break;
            case AgentStep agent:
                CheckAgent(agent, at, check);
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

                CheckEscalation(approval.Escalation, approval.Criteria, at, check);
                break;
        }
    }

    static void CheckEscalation(IReadOnlyList<EscalationLevel> escalation, IReadOnlyList<string> criteria, string at, Checker check)
    {
        for (int l = 0; l < escalation.Count; l++)
        {
            EscalationLevel level = escalation[l];

            // An open gate shows its criteria and the level's approvers in the run's status, which has a hard size limit.
            int details = JsonSize.Of(criteria) + JsonSize.Of(new { level.Name, level.Approvers, level.Group });
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
    }

    static void CheckAgent(AgentStep agent, string at, Checker check)
    {
        check.Template(agent.Instructions, $"{at}/instructions");
        check.Template(agent.Prompt, $"{at}/prompt");
        if (agent.OutputSchema is not null && agent.Output != LlmOutputFormats.Json)
        {
            check.Add($"{at}/outputSchema", "outputSchema needs \"output\": \"json\"");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        Checker withArgs = check with { AllowArgs = true };
        for (int t = 0; t < agent.Tools.Count; t++)
        {
            AgentTool tool = agent.Tools[t];
            string toolAt = $"{at}/tools/{t}";
            if (tool.Mcp is null && !names.Add(tool.Name))
            {
                check.Add($"{toolAt}/name", $"duplicate tool name '{tool.Name}'");
            }

            // An MCP entry's tools are named at run time, and their gates by "server.tool": one entry a server.
            if (tool.Mcp is { } server && !names.Add("mcp:" + server))
            {
                check.Add($"{toolAt}/mcp", $"MCP server '{server}' is listed twice; name the tools of one entry with include");
            }

            withArgs.Template(tool.Path, $"{toolAt}/path");
            foreach (string text in Template.Strings(tool.Body))
            {
                withArgs.Template(text, $"{toolAt}/body");
            }

            if (tool.ApprovalWhen is { } rule)
            {
                withArgs.Condition(rule, $"{toolAt}/approvalWhen");
            }

            bool gated = tool.RequiresApproval || tool.ApprovalWhen is not null;
            if (gated && tool.Approval is null)
            {
                check.Add($"{toolAt}/approval", $"tool '{tool.Label}' can need approval: declare its approval (escalation levels)");
            }
            else if (!gated && tool.Approval is not null)
            {
                check.Add($"{toolAt}/approval", $"tool '{tool.Label}' declares an approval but neither requiresApproval nor approvalWhen");
            }

            if (tool.Approval is { } approval)
            {
                CheckEscalation(approval.Escalation, approval.Criteria, $"{toolAt}/approval", check);
            }
        }
    }

    /// <summary>Top-level input fields the schema declares; null when it declares none (nothing to check against).</summary>
    static IReadOnlySet<string>? DeclaredInputFields(JsonObject inputSchema) =>
        inputSchema["properties"] is JsonObject properties ? properties.Select(p => p.Key).ToHashSet() : null;

    /// <summary>Each list is checked on its own: transitions never cross from one list to another.</summary>
    static bool FindCycles(IReadOnlyList<WorkflowStep> steps, string at, List<DefinitionError> errors)
    {
        if (FindCycle(steps, at, errors))
        {
            return true;
        }

        for (int i = 0; i < steps.Count; i++)
        {
            foreach ((IReadOnlyList<WorkflowStep> inner, string innerAt) in NestedLists(steps[i], $"{at}/{i}"))
            {
                if (FindCycles(inner, innerAt, errors))
                {
                    return true;
                }
            }
        }

        return false;
    }

    static bool FindCycle(IReadOnlyList<WorkflowStep> steps, string at, List<DefinitionError> errors)
    {
        var state = new Dictionary<string, int>(); // 0 unvisited, 1 on stack, 2 done
        var stack = new List<string>();

        bool Visit(string id)
        {
            state[id] = 1;
            stack.Add(id);
            foreach (string next in Successors(steps, StepLists.Find(steps, id)!))
            {
                int seen = state.GetValueOrDefault(next);
                if (seen == 1)
                {
                    var cycle = stack.Skip(stack.IndexOf(next)).Append(next);
                    int index = steps.ToList().FindIndex(s => s.Id == id);
                    errors.Add(new($"{at}/{index}", $"steps form a cycle: {string.Join(" -> ", cycle)} (only approval request-changes may loop back)"));
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

        foreach (WorkflowStep step in steps)
        {
            if (state.GetValueOrDefault(step.Id) == 0 && Visit(step.Id))
            {
                return true;
            }
        }

        return false;
    }

    static IEnumerable<string> Successors(IReadOnlyList<WorkflowStep> steps, WorkflowStep step)
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
                targets.Add(StepLists.NextAfter(steps, step));
                break;
            default:
                targets.Add(StepLists.NextAfter(steps, step));
                break;
        }

        return targets.OfType<string>().Where(t => t != StepIds.End && StepLists.Find(steps, t) is not null).Distinct();
    }

    /// <summary>Checks references from one list: <see cref="Visible"/> steps may be read, <see cref="Targets"/> gone to.</summary>
    sealed record Checker(List<DefinitionError> Errors, IReadOnlySet<string> Visible, IReadOnlySet<string> Targets, IReadOnlySet<string>? InputFields, bool InMapBody)
    {
        /// <summary>Inside an agent's tool: templates and conditions may read the call's arguments (args.x).</summary>
        public bool AllowArgs { get; init; }

        public void Add(string pointer, string message) => Errors.Add(new(pointer, message));

        public void Target(string? target, string pointer, bool allowEnd = true)
        {
            if (target is null || (allowEnd && target == StepIds.End) || Targets.Contains(target))
            {
                return;
            }

            Add(pointer, Visible.Contains(target)
                ? $"'{target}' is in another list of steps; next and goto stay within a branch or map body"
                : $"unknown step '{target}'");
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
            if (AllowArgs && (path == AgentArgs.Root || path.StartsWith(AgentArgs.Root + ".", StringComparison.Ordinal) || path.StartsWith(AgentArgs.Root + "[", StringComparison.Ordinal)))
            {
                return;
            }

            string? problem = StatePath.Describe(path, Visible, InMapBody);
            if (problem is null && InputFields is not null && path.StartsWith(StatePath.InputRoot + ".", StringComparison.Ordinal))
            {
                string field = path.Split('.')[1].Split('[')[0];
                if (!InputFields.Contains(field))
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
