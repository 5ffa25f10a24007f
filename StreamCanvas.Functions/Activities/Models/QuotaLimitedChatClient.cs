using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using StreamCanvas.Definitions;
using StreamCanvas.Storage;

namespace StreamCanvas.Activities.Models;

/// <summary>
/// Holds a model call until its deployment's quota (<see cref="ModelQuotaOptions"/>) has room, so a burst of runs
/// queues its calls instead of meeting a wall of 429s. A call that finds no room within MaxWaitSeconds fails with
/// <see cref="FailureReasons.ModelQuotaWait"/> and a Retry-After; the interpreter waits that long on a durable timer
/// and calls again without spending one of the step's attempts.
/// </summary>
public sealed partial class QuotaLimitedChatClient(IChatClient inner, IModelQuotaStore store, ModelOptions settings, TimeProvider clock, ILogger<QuotaLimitedChatClient> logger)
    : DelegatingChatClient(inner)
{
    readonly ConcurrentDictionary<string, SemaphoreSlim> gates = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, DateTimeOffset> noRoomUntil = new(StringComparer.Ordinal);

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        string deployment = options?.ModelId ?? settings.DefaultModel;
        ModelQuotaOptions quota = settings.Quota;
        if (!quota.Limits)
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }

        IList<ChatMessage> sent = messages as IList<ChatMessage> ?? [.. messages];
        string key = Key(settings.Endpoint, deployment);
        QuotaLimits limits = quota.ToLimits();
        int tokens = TokenEstimate.ForMessages(sent) + (options?.MaxOutputTokens ?? TokenEstimate.DefaultCompletionTokens);
        DateTimeOffset giveUpAt = clock.GetUtcNow().AddSeconds(quota.MaxWaitSeconds);
        for (int retries = 0; ; retries++)
        {
            QuotaGrant grant = await WaitForSlotAsync(deployment, key, limits, tokens, giveUpAt, cancellationToken);
            int used = 0;
            try
            {
                ChatResponse response = await base.GetResponseAsync(sent, options, cancellationToken);
                used = (int)(response.Usage?.TotalTokenCount ?? (response.Usage?.InputTokenCount ?? 0) + (response.Usage?.OutputTokenCount ?? 0));
                return response;
            }
            catch (ModelCallException refused) when (refused.Reason == FailureReasons.ModelRateLimited && retries < settings.MaxRetries)
            {
                // The deployment is fuller than the limits say (other clients share it, or the limits are set too
                // high): this host's calls wait as long as it asks, and this call tries again for a new slot, so
                // every try is counted (the client does not retry 429s itself under a quota: QuotaRetryPolicy).
                TimeSpan asked = refused.RetryAfter ?? TimeSpan.FromSeconds(1);
                noRoomUntil[key] = clock.GetUtcNow() + asked;
                LogRateLimited(deployment, asked.TotalSeconds, retries + 1);
            }
            finally
            {
                // A failed call keeps its estimate counted: the deployment may well have counted it too.
                await store.ReleaseAsync(grant, used == 0 ? 0 : used - tokens, CancellationToken.None);
                if (limits.MaxConcurrentCalls is not null && used > 0)
                {
                    // A slot just came free here: this host's waiting calls may ask at once.
                    noRoomUntil.TryRemove(key, out _);
                }
            }
        }
    }

    /// <summary>Waits for a slot until <paramref name="giveUpAt"/>; then the step waits on a durable timer instead (model-quota-wait).</summary>
    async Task<QuotaGrant> WaitForSlotAsync(string deployment, string key, QuotaLimits limits, int tokens, DateTimeOffset giveUpAt, CancellationToken cancellationToken)
    {
        QuotaGrant grant;
        while (!(grant = await TryAcquireAsync(key, limits, tokens, cancellationToken)).Granted)
        {
            TimeSpan left = giveUpAt - clock.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                TimeSpan retryAfter = grant.RetryAfter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : grant.RetryAfter;
                LogQuotaFull(deployment, settings.Quota.MaxWaitSeconds, retryAfter.TotalSeconds);
                throw new ModelCallException(FailureReasons.ModelQuotaWait,
                    $"deployment '{deployment}' had no room in its quota for {settings.Quota.MaxWaitSeconds} s; trying again in {retryAfter.TotalSeconds:0.#} s",
                    retryable: true, retryAfter: retryAfter);
            }

            // Jitter keeps the calls that wait for the same window from all asking at once.
            TimeSpan wait = grant.RetryAfter + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 100));
            await Task.Delay(wait < left ? wait : left, clock, cancellationToken);
        }

        return grant;
    }

    /// <summary>
    /// Asks the shared row for a slot, one call of this host at a time per deployment; once the row said "no room
    /// until T", this host's other calls wait for T without asking, so a burst costs storage requests per grant, not
    /// per waiting call.
    /// </summary>
    async Task<QuotaGrant> TryAcquireAsync(string key, QuotaLimits limits, int tokens, CancellationToken cancellationToken)
    {
        if (NoRoomFor(key) is TimeSpan known)
        {
            return new QuotaGrant(key, null, known);
        }

        SemaphoreSlim gate = gates.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (NoRoomFor(key) is TimeSpan learned)
            {
                return new QuotaGrant(key, null, learned);
            }

            DateTimeOffset now = clock.GetUtcNow();
            QuotaGrant grant = await store.TryAcquireAsync(key, limits, tokens, now, cancellationToken);
            if (!grant.Granted)
            {
                noRoomUntil[key] = now + grant.RetryAfter;
            }

            return grant;
        }
        finally
        {
            gate.Release();
        }
    }

    TimeSpan? NoRoomFor(string key) =>
        noRoomUntil.TryGetValue(key, out DateTimeOffset until) && until - clock.GetUtcNow() is { } left && left > TimeSpan.Zero ? left : null;

    /// <summary>The row key of a deployment on an endpoint: connection and deployment name, without characters tables refuse.</summary>
    public static string Key(string? endpoint, string deployment)
    {
        string connection = Uri.TryCreate(endpoint, UriKind.Absolute, out Uri? uri) ? uri.Authority + uri.AbsolutePath : "default";
        return Unsafe().Replace($"{connection}|{deployment}", "_");
    }

    [GeneratedRegex(@"[/\\#?\u0000-\u001f\u007f-\u009f]")]
    private static partial Regex Unsafe();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model deployment {Deployment} answered 429 inside its quota; its calls on this host wait {RetryAfterSeconds:0.#} s, then try {Retry} asks for a new slot")]
    partial void LogRateLimited(string deployment, double retryAfterSeconds, int retry);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model deployment {Deployment}: no room in its quota after {WaitSeconds} s; the step waits {RetryAfterSeconds:0.#} s on a durable timer")]
    partial void LogQuotaFull(string deployment, int waitSeconds, double retryAfterSeconds);
}
