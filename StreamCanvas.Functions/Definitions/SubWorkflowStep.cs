using System.Text.Json.Nodes;

namespace StreamCanvas.Definitions;

/// <summary>
/// Starts another workflow as a sub-orchestration and waits for it. The child runs the version deployed when the
/// step starts (and pins it, like any run); its outcome and outputs come back as this step's output, its failure
/// reason as this step's failure.
/// </summary>
public sealed record SubWorkflowStep : WorkflowStep
{
    /// <summary>The name of a workflow in the same catalog; a chain of workflows calling back is a load error.</summary>
    public required string Workflow { get; init; }

    /// <summary>The child's input, a JSON template over this run's state (checked against the child's input schema).</summary>
    public JsonNode? Input { get; init; }
}
