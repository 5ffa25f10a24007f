using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using StreamCanvas.Activities.Mcp;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Activities.Tools;
using StreamCanvas.Definitions;
using StreamCanvas.Definitions.Readiness;
using StreamCanvas.Storage;

namespace StreamCanvas.Api.Readiness;

/// <summary>
/// GET /api/workflows/readiness and GET /api/workflows/{name}/readiness: the readiness audit of the deployed
/// definitions against this host's configuration, after probing the health paths of the connections they use.
/// </summary>
public sealed class ReadinessHandler(
    WorkflowCatalog catalog,
    IOptions<ToolOptions> tools,
    IOptions<McpOptions> mcp,
    IOptions<ApprovalOptions> approvals,
    IOptions<StartQueueOptions> starts,
    ConnectionHealthProbe probe)
{
    public async Task<IResult> ListAsync(CancellationToken cancellationToken)
    {
        List<LoadedWorkflow> workflows = catalog.All.OrderBy(w => w.Name, StringComparer.Ordinal).ToList();
        ReadinessEnvironment environment = await EnvironmentAsync(workflows, cancellationToken);
        List<WorkflowReadiness> audits = workflows.Select(w => ReadinessAudit.Audit(w, environment)).ToList();
        return Results.Ok(new ReadinessList(audits.Count == 0 ? ReadinessOutcome.Pass : audits.Max(a => a.Outcome), audits));
    }

    public async Task<IResult> GetAsync(string name, CancellationToken cancellationToken)
    {
        if (catalog.Find(name) is not { } workflow)
        {
            return Problems.NotFound($"no workflow named '{name}'");
        }

        ReadinessEnvironment environment = await EnvironmentAsync([workflow], cancellationToken);
        return Results.Ok(ReadinessAudit.Audit(workflow, environment));
    }

    /// <summary>Probes each connection the workflows use once, concurrently.</summary>
    async Task<ReadinessEnvironment> EnvironmentAsync(IEnumerable<LoadedWorkflow> workflows, CancellationToken cancellationToken)
    {
        string[] used = workflows
            .SelectMany(w => w.Definition.Steps.OfType<ToolStep>().Select(s => s.Connection))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToArray();
        HealthProbe?[] results = await Task.WhenAll(used.Select(c => probe.ProbeAsync(c, cancellationToken)));
        var probes = used.Zip(results)
            .Where(r => r.Second is not null)
            .ToDictionary(r => r.First, r => r.Second!, StringComparer.OrdinalIgnoreCase);
        return ReadinessEnvironments.FromOptions(tools.Value, mcp.Value, approvals.Value, starts.Value, probes);
    }
}

/// <summary>Every deployed workflow's readiness; the overall outcome is the worst of them.</summary>
public sealed record ReadinessList(ReadinessOutcome Outcome, IReadOnlyList<WorkflowReadiness> Workflows);
