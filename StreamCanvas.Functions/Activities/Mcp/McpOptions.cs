namespace StreamCanvas.Activities.Mcp;

/// <summary>
/// Configuration section "Mcp": the MCP servers agent steps may take tools from, by the name the steps use
/// (<c>"mcp": "crm"</c>). No other MCP server is reachable.
/// </summary>
public sealed class McpOptions
{
    public const string Section = "Mcp";

    public Dictionary<string, McpServerConnection> Servers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The names of the servers with an endpoint (what the readiness audit calls configured).</summary>
    public IReadOnlySet<string> Configured() =>
        Servers.Where(s => Uri.TryCreate(s.Value.Endpoint, UriKind.Absolute, out _)).Select(s => s.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
}

/// <summary>
/// One MCP server, spoken to over streamable HTTP. <see cref="Headers"/> and <see cref="ApiKey"/> are secrets (Key
/// Vault references in Azure): they go on every request to the server and are never logged or traced.
/// </summary>
public sealed class McpServerConnection
{
    public string Endpoint { get; set; } = string.Empty;

    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Sent as <c>Authorization: Bearer &lt;key&gt;</c>; use <see cref="Headers"/> for a server that wants another header.</summary>
    public string? ApiKey { get; set; }
}
