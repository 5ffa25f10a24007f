using System.ClientModel;
using Microsoft.Extensions.AI;
using StreamCanvas.Definitions;

namespace StreamCanvas.Activities.Models;

/// <summary>
/// The engine's rules around any chat backend: a call (retries included) ends within
/// <see cref="ModelOptions.ActivityTimeoutSeconds"/>; failures become <see cref="ModelCallException"/>s with a reason
/// class and the endpoint's Retry-After; an answer without usage gets estimated counts, marked
/// <see cref="UsageEstimatedKey"/>, so budgets are not overrun by a server that reports none.
/// </summary>
public sealed class ModelErrorsChatClient(IChatClient inner, ModelOptions settings) : DelegatingChatClient(inner)
{
    /// <summary>Set (true) in <see cref="ChatResponse.AdditionalProperties"/> when the token counts are estimates.</summary>
    public const string UsageEstimatedKey = "streamcanvas.usage_estimated";

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        IList<ChatMessage> sent = messages as IList<ChatMessage> ?? [.. messages];
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(TimeSpan.FromSeconds(settings.ActivityTimeoutSeconds));
        try
        {
            ChatResponse response = await base.GetResponseAsync(sent, options, budget.Token);
            if (response.Usage?.InputTokenCount is null || response.Usage.OutputTokenCount is null)
            {
                response.Usage = new UsageDetails
                {
                    InputTokenCount = TokenEstimate.ForMessages(sent),
                    OutputTokenCount = TokenEstimate.ForMessages(response.Messages),
                };
                response.Usage.TotalTokenCount = response.Usage.InputTokenCount + response.Usage.OutputTokenCount;
                (response.AdditionalProperties ??= [])[UsageEstimatedKey] = true;
            }

            return response;
        }
        catch (ClientResultException ex)
        {
            throw Classify(ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ModelCallException(FailureReasons.ModelError,
                budget.IsCancellationRequested
                    ? $"model calls used the step's {settings.ActivityTimeoutSeconds}s budget"
                    : $"model call timed out after {settings.TimeoutSeconds}s", retryable: true, inner: ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ModelCallException(FailureReasons.ModelError, $"model endpoint unreachable: {ex.Message}", retryable: true, inner: ex);
        }
    }

    static ModelCallException Classify(ClientResultException ex)
    {
        string detail = $"model returned HTTP {ex.Status}: {Shorten(ex.Message)}";
        return ex.Status switch
        {
            429 or 503 => new ModelCallException(FailureReasons.ModelRateLimited, detail, retryable: true, ex.Status, ex, RetryAfter.From(ex.GetRawResponse())),
            408 or >= 500 => new ModelCallException(FailureReasons.ModelError, detail, retryable: true, ex.Status, ex),
            _ => new ModelCallException(FailureReasons.ModelError, detail, retryable: false, ex.Status, ex),
        };
    }

    static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    /// <summary>Whether the response's token counts are <see cref="TokenEstimate"/>s.</summary>
    public static bool UsageEstimated(ChatResponse response) =>
        response.AdditionalProperties?.TryGetValue(UsageEstimatedKey, out object? value) == true && value is true;
}
