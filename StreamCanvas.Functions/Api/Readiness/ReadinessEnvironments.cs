using StreamCanvas.Activities.Mcp;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Activities.Tools;
using StreamCanvas.Definitions.Readiness;
using StreamCanvas.Storage;

namespace StreamCanvas.Api.Readiness;

/// <summary>Turns the host's configuration into the facts the readiness audit reads.</summary>
public static class ReadinessEnvironments
{
    public const string HttpTrigger = "http";

    public static ReadinessEnvironment FromOptions(
        ToolOptions tools,
        McpOptions mcp,
        ApprovalOptions approvals,
        StartQueueOptions starts,
        IReadOnlyDictionary<string, HealthProbe>? probes = null) => new()
    {
        // HTTP starts are always served; the queue only where the host reads it (always under Functions).
        Triggers = starts.Enabled ? [HttpTrigger, $"queue:{starts.Queue}"] : [HttpTrigger],
        Connections = tools.Connections
            .Where(c => !string.IsNullOrWhiteSpace(c.Value.BaseUrl))
            .ToDictionary(
                c => c.Key,
                c => new ConnectionReadiness(string.IsNullOrWhiteSpace(c.Value.HealthPath) ? null : c.Value.HealthPath, probes?.GetValueOrDefault(c.Key)),
                StringComparer.OrdinalIgnoreCase),
        McpServers = mcp.Configured(),
        AlertChannels = approvals.Webhooks
            .Where(w => Uri.TryCreate(w.Value, UriKind.Absolute, out Uri? url) && url.Scheme is "http" or "https")
            .Select(w => w.Key)
            .ToHashSet(StringComparer.OrdinalIgnoreCase),
        ProbesRun = probes is not null,
    };
}
