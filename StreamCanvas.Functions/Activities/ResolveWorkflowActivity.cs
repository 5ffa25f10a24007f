using System.Text.Json.Nodes;
using StreamCanvas.Definitions;

namespace StreamCanvas.Activities;

/// <summary>
/// A workflow step asks for the definition of the workflow it starts, with the input it will pass; an agent asks
/// without input (null) for the workflows it offers as tools, and checks each call's arguments itself.
/// </summary>
public sealed record ResolveWorkflowRequest(string Workflow, JsonObject? Input);

/// <summary>The child's definition and hash as deployed now (recorded in the history, so replay sees the same), or why not.</summary>
public sealed record ResolvedWorkflow(WorkflowDefinition? Definition, string? DefinitionHash, string? Error);

/// <summary>
/// Looks a workflow up in the catalog and checks the child's input against its input schema. An orchestrator may
/// not read the catalog itself: what is deployed can change between replays, the recorded answer cannot.
/// </summary>
public sealed class ResolveWorkflowActivity(WorkflowCatalog catalog) : IDurableActivity<ResolveWorkflowRequest, ResolvedWorkflow>
{
    public Task<ResolvedWorkflow> RunAsync(ResolveWorkflowRequest request, CancellationToken cancellationToken)
    {
        if (catalog.Find(request.Workflow) is not { } workflow)
        {
            return Task.FromResult(new ResolvedWorkflow(null, null, $"no workflow named '{request.Workflow}' is deployed"));
        }

        IReadOnlyList<DefinitionError> errors = request.Input is null ? [] : DefinitionLoader.SchemaErrors(workflow.InputSchema, request.Input);
        return Task.FromResult(errors.Count > 0
            ? new ResolvedWorkflow(null, null, $"the input for '{request.Workflow}' does not match its input schema: {string.Join("; ", errors)}")
            : new ResolvedWorkflow(workflow.Definition, workflow.ContentHash, null));
    }
}
