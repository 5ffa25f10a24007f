using Microsoft.AspNetCore.Http;
using StreamCanvas.Definitions;

namespace StreamCanvas.Api;

/// <summary>GET /api/workflows: what this host can run, with owner, version and content hash.</summary>
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
}
