namespace StreamCanvas.Definitions;

/// <summary>
/// Checks the workflow steps and agents' workflow tools across a catalog: each names a workflow that exists, and no
/// chain of workflows calls back into itself (a run would start children forever).
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
                .Where(call => !byName.ContainsKey(call.Workflow))
                .Select(call => new DefinitionError($"{call.Pointer}/workflow", $"no workflow named '{call.Workflow}' is loaded"))
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
        foreach ((string called, string pointer) in Calls(byName[name]))
        {
            path.Add((name, pointer));
            if (state.GetValueOrDefault(called) == 1)
            {
                int start = path.FindIndex(p => p.Name == called);
                string cycle = string.Join(" -> ", path.Skip(start).Select(p => p.Name).Append(called));
                throw new WorkflowDefinitionException(byName[name].SourceFile, [new($"{pointer}/workflow", $"workflows call each other in a cycle: {cycle}")]);
            }

            Visit(called, byName, state, path);
            path.RemoveAt(path.Count - 1);
        }

        state[name] = 2;
    }

    /// <summary>Every workflow a definition can start: its workflow steps and its agents' workflow tools, with pointers.</summary>
    static IEnumerable<(string Workflow, string Pointer)> Calls(LoadedWorkflow workflow) =>
        StepLists.WithPointers(workflow.Definition.Steps).SelectMany(s => s.Step switch
        {
            SubWorkflowStep sub => [(sub.Workflow, s.Pointer)],
            AgentStep agent => agent.Tools
                .Select((tool, t) => (tool.Workflow, Pointer: $"{s.Pointer}/tools/{t}"))
                .Where(tool => tool.Workflow is not null)
                .Select(tool => (tool.Workflow!, tool.Pointer)),
            _ => Enumerable.Empty<(string, string)>(),
        });
}
