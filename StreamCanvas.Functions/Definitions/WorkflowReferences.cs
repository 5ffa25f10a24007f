namespace StreamCanvas.Definitions;

/// <summary>
/// Checks the workflow steps across a catalog: each names a workflow that exists, and no chain of workflows calls
/// back into itself (a run would start children forever).
/// </summary>
public static class WorkflowReferences
{
    /// <summary>Throws for the first file with an unknown workflow or on a cycle of calls.</summary>
    public static void Check(IReadOnlyList<LoadedWorkflow> workflows)
    {
        var byName = workflows.ToDictionary(w => w.Name, StringComparer.Ordinal);
        foreach (LoadedWorkflow workflow in workflows)
        {
            var unknown = Calls(workflow)
                .Where(call => !byName.ContainsKey(call.Step.Workflow))
                .Select(call => new DefinitionError($"{call.Pointer}/workflow", $"no workflow named '{call.Step.Workflow}' is loaded"))
                .ToList();
            if (unknown.Count > 0)
            {
                throw new WorkflowDefinitionException(workflow.SourceFile, unknown);
            }
        }

        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 0 unvisited, 1 on the path, 2 done
        var path = new List<(string Name, string Pointer)>();
        foreach (LoadedWorkflow workflow in workflows)
        {
            Visit(workflow.Name, byName, state, path);
        }
    }

    static void Visit(string name, Dictionary<string, LoadedWorkflow> byName, Dictionary<string, int> state, List<(string Name, string Pointer)> path)
    {
        if (state.GetValueOrDefault(name) != 0)
        {
            return;
        }

        state[name] = 1;
        foreach ((SubWorkflowStep step, string pointer) in Calls(byName[name]))
        {
            path.Add((name, pointer));
            if (state.GetValueOrDefault(step.Workflow) == 1)
            {
                int start = path.FindIndex(p => p.Name == step.Workflow);
                string cycle = string.Join(" -> ", path.Skip(start).Select(p => p.Name).Append(step.Workflow));
                throw new WorkflowDefinitionException(byName[name].SourceFile, [new($"{pointer}/workflow", $"workflows call each other in a cycle: {cycle}")]);
            }

            Visit(step.Workflow, byName, state, path);
            path.RemoveAt(path.Count - 1);
        }

        state[name] = 2;
    }

    static IEnumerable<(SubWorkflowStep Step, string Pointer)> Calls(LoadedWorkflow workflow) =>
        StepLists.WithPointers(workflow.Definition.Steps)
            .Where(s => s.Step is SubWorkflowStep)
            .Select(s => ((SubWorkflowStep)s.Step, s.Pointer));
}
