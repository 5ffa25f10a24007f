namespace StreamCanvas.Activities.Models;

/// <summary>Configuration section "Model": which backend serves llm steps.</summary>
public sealed class ModelOptions
{
    public const string Section = "Model";

    /// <summary>offline (default), azure-openai, or openai-compatible.</summary>
    public string Provider { get; set; } = ModelProviders.Offline;

    /// <summary>Azure OpenAI resource endpoint, or the base URL of an OpenAI-compatible API (…/v1).</summary>
    public string? Endpoint { get; set; }

    /// <summary>API key; for azure-openai, leave empty to authenticate with Entra ID (managed identity).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Client id of a user-assigned managed identity, when Entra ID is used.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Model (or Azure deployment) used by steps that name none.</summary>
    public string DefaultModel { get; set; } = "gpt-4o-mini";

    /// <summary>Retries of 429/5xx inside one model call (the client honours Retry-After).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Timeout of one model call; kept below the activity's own limit.</summary>
    public int TimeoutSeconds { get; set; } = 100;
}

public static class ModelProviders
{
    public const string Offline = "offline";
    public const string AzureOpenAI = "azure-openai";
    public const string OpenAICompatible = "openai-compatible";
}
