using Json.Schema;

namespace StreamCanvas.Definitions;

/// <summary>A definition as loaded: its content hash pins runs to exactly this version.</summary>
public sealed record LoadedWorkflow(WorkflowDefinition Definition, string ContentHash, JsonSchema InputSchema, string SourceFile)
{
    public string Name => Definition.Name;
}

/// <summary>The workflows this host serves, validated at startup.</summary>
public sealed class WorkflowCatalog(IEnumerable<LoadedWorkflow> workflows)
{
    readonly Dictionary<string, LoadedWorkflow> byName = workflows.ToDictionary(w => w.Name, StringComparer.Ordinal);

    public IReadOnlyCollection<LoadedWorkflow> All => byName.Values;

    public LoadedWorkflow? Find(string name) => byName.GetValueOrDefault(name);
}
