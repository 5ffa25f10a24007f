using System.ClientModel.Primitives;

namespace StreamCanvas.Activities.Models;

/// <summary>
/// The client's retry policy when Model:Quota limits a deployment: 429s are not retried inside the call, where no
/// limiter would count them, but by <see cref="QuotaLimitedChatClient"/>, which asks for a slot again for each try.
/// Other transient failures (5xx, timeouts) are retried here as usual.
/// </summary>
public sealed class QuotaRetryPolicy(int maxRetries) : ClientRetryPolicy(maxRetries)
{
    protected override bool ShouldRetry(PipelineMessage message, Exception? exception) =>
        message.Response?.Status != 429 && base.ShouldRetry(message, exception);

    protected override ValueTask<bool> ShouldRetryAsync(PipelineMessage message, Exception? exception) =>
        message.Response?.Status == 429 ? ValueTask.FromResult(false) : base.ShouldRetryAsync(message, exception);
}
