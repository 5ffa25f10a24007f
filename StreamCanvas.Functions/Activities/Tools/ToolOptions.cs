namespace StreamCanvas.Activities.Tools;

/// <summary>Configuration section "Tools": the connections tool steps may call. Nothing else is reachable.</summary>
public sealed class ToolOptions
{
    public const string Section = "Tools";
    public const string HttpClientName = "tools";

    public Dictionary<string, ToolConnection> Connections { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Timeout of a whole tool call (all HTTP attempts) when the step sets none.</summary>
    public int DefaultTimeoutSeconds { get; set; } = 30;

    /// <summary>Timeout of one HTTP attempt inside a tool call.</summary>
    public int AttemptTimeoutSeconds { get; set; } = 10;

    /// <summary>Largest response body read, in bytes.</summary>
    public int MaxResponseBytes { get; set; } = 1024 * 1024;
}

/// <summary>An allow-listed base URL, with headers (API keys from Key Vault references) added to every call.</summary>
public sealed class ToolConnection
{
    public string BaseUrl { get; set; } = string.Empty;
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Path (relative to <see cref="BaseUrl"/>) the readiness audit GETs; a 2xx answer means reachable.</summary>
    public string? HealthPath { get; set; }
}
