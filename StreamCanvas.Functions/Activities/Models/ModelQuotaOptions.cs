namespace StreamCanvas.Activities.Models;

/// <summary>
/// What a model deployment allows (Model:Quota), counted per endpoint and deployment across all hosts on the storage
/// account. No limit set (empty or 0): no limit and no storage requests.
/// </summary>
public sealed class ModelQuotaOptions
{
    /// <summary>Model calls in flight at once.</summary>
    public int? MaxConcurrentCalls { get; set; }

    /// <summary>Requests per minute (the deployment's RPM quota).</summary>
    public int? RequestsPerMinute { get; set; }

    /// <summary>Tokens per minute (the deployment's TPM quota), counted by each call's estimate, then corrected by its usage.</summary>
    public int? TokensPerMinute { get; set; }

    /// <summary>
    /// The per-minute quotas are counted in windows of this length, each allowed its share: Azure OpenAI enforces a
    /// minute's quota over 1–10 s windows, so a burst that fits the minute can still meet 429s.
    /// </summary>
    public int WindowSeconds { get; set; } = 10;

    /// <summary>How long a call's slot stays taken if its host dies before giving it back.</summary>
    public int LeaseSeconds { get; set; } = 120;

    /// <summary>
    /// How long a call waits for a slot inside its activity; after that the step gets a retryable outcome and the
    /// orchestration waits on a durable timer (the activity slot is freed meanwhile).
    /// </summary>
    public int MaxWaitSeconds { get; set; } = 20;

    public bool Limits => Set(MaxConcurrentCalls) is not null || Set(RequestsPerMinute) is not null || Set(TokensPerMinute) is not null;

    public Storage.QuotaLimits ToLimits()
    {
        TimeSpan window = TimeSpan.FromSeconds(Math.Clamp(WindowSeconds, 1, 60));
        return new Storage.QuotaLimits(Set(MaxConcurrentCalls), Share(RequestsPerMinute, window), Share(TokensPerMinute, window), window, TimeSpan.FromSeconds(Math.Max(1, LeaseSeconds)));
    }

    static int? Set(int? limit) => limit > 0 ? limit : null;

    static int? Share(int? perMinute, TimeSpan window) => Set(perMinute) is int value ? Math.Max(1, (int)(value * window.TotalSeconds / 60)) : null;
}
