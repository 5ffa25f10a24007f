using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;

namespace StreamCanvas.Api;

/// <summary>
/// GET /api/workflows: what this host can run; GET /api/workflows/{name}/graph: the deployed definition's structure
/// (for the dashboard's graph); GET /api/workflows/{name}/versions: which versions runs are on.
/// </summary>
public sealed class WorkflowsHandler(WorkflowCatalog catalog)
{
    public IResult List() => Results.Ok(catalog.All
        .OrderBy(w => w.Name, StringComparer.Ordinal)
        .Select(w => new
        {
            w.Definition.Name,
            w.Definition.Version,
            w.Definition.Description,
            w.Definition.Owner,
            w.ContentHash,
            Steps = w.Definition.Steps.Select(s => new { s.Id, s.Kind }),
            DefinitionOfDone = w.Definition.DefinitionOfDone.Select(d => d.Name),
        }));

    /// <summary>The deployed definition's steps and edges, nested lists included, without prompts or bodies.</summary>
    public IResult Graph(string name) => catalog.Find(name) is { } workflow
        ? Results.Ok(WorkflowGraph.Of(workflow))
        : Problems.NotFound($"no workflow named '{name}'");

    /// <summary>
    /// Every definition version the workflow's runs are pinned to (version and content hash travel in each run's
    /// input), with how many runs each has by status, beside the version deployed now.
    /// </summary>
    public async Task<IResult> VersionsAsync(string name, DurableTaskClient client, CancellationToken cancellationToken)
    {
        LoadedWorkflow? deployed = catalog.Find(name);
        var query = new OrchestrationQuery { InstanceIdPrefix = $"{name}{RunIds.Separator}", FetchInputsAndOutputs = true, PageSize = 200 };
        var versions = new Dictionary<(string Version, string Hash), Dictionary<string, int>>();
        await foreach (OrchestrationMetadata run in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            if (run.ReadInputAs<WorkflowRunRequest>() is not { } input)
            {
                continue;
            }

            var key = (input.Definition.Version, input.DefinitionHash);
            Dictionary<string, int> byStatus = versions.TryGetValue(key, out var counts) ? counts : versions[key] = [];
            string status = run.RuntimeStatus.ToString();
            byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
        }

        if (deployed is null && versions.Count == 0)
        {
            return Problems.NotFound($"no workflow named '{name}' and no runs of one");
        }

        return Results.Ok(new WorkflowVersions(
            name,
            deployed is null ? null : new DefinitionVersion(deployed.Definition.Version, deployed.ContentHash),
            versions
                .OrderByDescending(v => v.Value.Values.Sum())
                .Select(v => new VersionInUse(v.Key.Version, v.Key.Hash, v.Value.Values.Sum(), v.Value, v.Key.Hash == deployed?.ContentHash))
                .ToList()));
    }
}

public sealed record DefinitionVersion(string Version, string ContentHash);

public sealed record VersionInUse(string Version, string ContentHash, int Runs, IReadOnlyDictionary<string, int> ByStatus, bool Deployed);

public sealed record WorkflowVersions(string Workflow, DefinitionVersion? Deployed, IReadOnlyList<VersionInUse> Versions);
