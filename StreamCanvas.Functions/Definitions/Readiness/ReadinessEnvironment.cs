namespace StreamCanvas.Definitions.Readiness;

/// <summary>
/// What the audit needs to know about the host's configuration, gathered by the caller (the API probes
/// connections first; the offline command does not), so the audit itself stays pure.
/// </summary>
public sealed record ReadinessEnvironment
{
    /// <summary>How runs can start on this host, e.g. "http" or "queue:workflow-starts".</summary>
    public required IReadOnlyList<string> Triggers { get; init; }

    /// <summary>Configured tool connections by name (case-insensitive, as configuration binds them).</summary>
    public required IReadOnlyDictionary<string, ConnectionReadiness> Connections { get; init; }

    /// <summary>Names of configured MCP servers (Mcp:Servers:&lt;name&gt;:Endpoint), case-insensitive.</summary>
    public IReadOnlySet<string> McpServers { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Names of configured webhook channels (Approvals:Webhooks).</summary>
    public required IReadOnlySet<string> AlertChannels { get; init; }

    /// <summary>False for the offline command: connections that declare a health path are reported as not probed.</summary>
    public bool ProbesRun { get; init; }
}

/// <summary>A configured connection: whether it declares a health path and, when probed, what the probe found.</summary>
public sealed record ConnectionReadiness(string? HealthPath, HealthProbe? Probe = null);

/// <summary>The outcome of GET &lt;baseUrl&gt;&lt;healthPath&gt;: healthy on a 2xx answer; otherwise what went wrong.</summary>
public sealed record HealthProbe(bool Healthy, string Detail);
