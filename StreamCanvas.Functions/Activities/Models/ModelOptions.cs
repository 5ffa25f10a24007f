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

    /// <summary>Timeout of one model call (one HTTP attempt).</summary>
    public int TimeoutSeconds { get; set; } = 100;

    /// <summary>
    /// Most time one llm step activity may spend on the model, retries included. It must stay below the
    /// activity's own limit (host.json functionTimeout, 15 minutes), so a slow model fails the step with a
    /// reason instead of the host killing the activity.
    /// </summary>
    public int ActivityTimeoutSeconds { get; set; } = 600;

    /// <summary>Limits each deployment's calls to its quota (Model:Quota), counted per endpoint and deployment; none by default.</summary>
    public ModelQuotaOptions Quota { get; set; } = new();

    /// <summary>Price per 1K input and output tokens by model (or deployment) name: Model:Pricing:&lt;model&gt;:InputPer1K.</summary>
    public Dictionary<string, ModelPrice> Pricing { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The host's limit for one function execution (host.json functionTimeout).</summary>
    public const int HostFunctionTimeoutSeconds = 15 * 60;
}

/// <summary>Refuses to start with model timeouts that could outlive the activity running them.</summary>
public sealed class ModelOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<ModelOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, ModelOptions options)
    {
        var failures = new List<string>();
        if (options.TimeoutSeconds <= 0 || options.MaxRetries < 0)
        {
            failures.Add("Model:TimeoutSeconds must be positive and Model:MaxRetries not negative.");
        }

        if (options.ActivityTimeoutSeconds >= ModelOptions.HostFunctionTimeoutSeconds)
        {
            failures.Add($"Model:ActivityTimeoutSeconds ({options.ActivityTimeoutSeconds}) must be below the host's function timeout ({ModelOptions.HostFunctionTimeoutSeconds} s).");
        }

        if (options.TimeoutSeconds >= options.ActivityTimeoutSeconds)
        {
            failures.Add($"Model:TimeoutSeconds ({options.TimeoutSeconds}) must be below Model:ActivityTimeoutSeconds ({options.ActivityTimeoutSeconds}).");
        }

        return failures.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(failures);
    }
}

public static class ModelProviders
{
    public const string Offline = "offline";
    public const string AzureOpenAI = "azure-openai";
    public const string OpenAICompatible = "openai-compatible";
}
