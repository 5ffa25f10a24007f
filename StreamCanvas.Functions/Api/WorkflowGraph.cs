using System.Text.Json.Nodes;
using StreamCanvas.Definitions;

namespace StreamCanvas.Api;

/// <summary>
/// A workflow's structure for drawing it (GET /api/workflows/{name}/graph): each step with the edges leaving it, and
/// the lists nested in parallel and map steps. Only structure, no prompts, bodies or approvers: the page draws
/// nodes and edges and needs nothing else. Edges are worked out here, with the interpreter's own rules
/// (<see cref="StepLists.NextAfter"/>), so the page never guesses where a step goes.
/// </summary>
public sealed record WorkflowGraph(string Name, string Version, string ContentHash, IReadOnlyList<GraphNode> Steps)
{
    public static WorkflowGraph Of(LoadedWorkflow workflow) =>
        new(workflow.Definition.Name, workflow.Definition.Version, workflow.ContentHash, GraphNode.List(workflow.Definition.Steps));
}

/// <summary>
/// One step. <see cref="Edges"/> point at step ids of the same list, or at <see cref="StepIds.End"/> (the end of the
/// run, or of the branch). Branches, join and body are set for parallel and map steps, Workflow for workflow steps,
/// Tools for agent steps.
/// </summary>
public sealed record GraphNode(string Id, string Kind, string? Description, IReadOnlyList<GraphEdge> Edges)
{
    public IReadOnlyList<GraphBranch>? Branches { get; init; }
    public JoinPolicy? Join { get; init; }
    public string? Items { get; init; }
    public int? MaxConcurrency { get; init; }
    public JsonNode? TolerateFailures { get; init; }
    public IReadOnlyList<GraphNode>? Body { get; init; }
    public string? Workflow { get; init; }
    public IReadOnlyList<GraphTool>? Tools { get; init; }
    public int? MaxTurns { get; init; }

    /// <summary>The reason a failure that is not routed to a step fails the run with (onFailure.fail).</summary>
    public string? FailsWith { get; init; }

    public static IReadOnlyList<GraphNode> List(IReadOnlyList<WorkflowStep> steps) => steps.Select(s => Of(steps, s)).ToList();

    static GraphNode Of(IReadOnlyList<WorkflowStep> list, WorkflowStep step) => new(step.Id, step.Kind, step.Description, GraphEdges.Leaving(list, step))
    {
        FailsWith = step.OnFailure?.Fail,
        Branches = step is ParallelStep parallel
            ? parallel.Branches.Select(b => new GraphBranch(b.Name, List(b.Steps), b.OnFailure?.ContinueWith is not null)).ToList()
            : null,
        Join = (step as ParallelStep)?.Join,
        Items = (step as MapStep)?.Items,
        MaxConcurrency = (step as MapStep)?.MaxConcurrency,
        TolerateFailures = (step as MapStep)?.TolerateFailures?.DeepClone(),
        Body = step is MapStep map ? List(map.Steps) : null,
        Workflow = (step as SubWorkflowStep)?.Workflow,
        Tools = step is AgentStep agent
            ? agent.Tools.Select(t => new GraphTool(t.Name, t.RequiresApproval || t.ApprovalWhen is not null)).ToList()
            : null,
        MaxTurns = (step as AgentStep)?.MaxTurns,
    };
}

/// <param name="ContinuesOnFailure">The branch counts as done with a fallback output when it fails (onFailure.continueWith).</param>
public sealed record GraphBranch(string Name, IReadOnlyList<GraphNode> Steps, bool ContinuesOnFailure);

/// <param name="Gated">Calls can wait for a person's approval (requiresApproval or approvalWhen).</param>
public sealed record GraphTool(string Name, bool Gated);

/// <param name="Kind">next, condition, else, on-failure, on-reject or request-changes.</param>
/// <param name="Label">What the edge is taken on, for condition branches.</param>
public sealed record GraphEdge(string To, string Kind, string? Label = null);
