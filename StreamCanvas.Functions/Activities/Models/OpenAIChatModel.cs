using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Azure.AI.OpenAI;
using Azure.Identity;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;
using StreamCanvas.Definitions;

namespace StreamCanvas.Activities.Models;

/// <summary>
/// Azure OpenAI or any OpenAI-compatible endpoint through the official ChatClient. The client pipeline retries
/// 429 and 5xx (honouring Retry-After) up to <see cref="ModelOptions.MaxRetries"/> times before we classify.
/// </summary>
public sealed class OpenAIChatModel : IChatModel
{
    readonly ModelOptions options;
    readonly Func<string, ChatClient> createChatClient;
    readonly ConcurrentDictionary<string, ChatClient> chatClients = new(StringComparer.Ordinal);

    public OpenAIChatModel(IOptions<ModelOptions> options)
    {
        this.options = options.Value;
        createChatClient = CreateFactory(this.options);
    }

    public async Task<ChatReply> CompleteAsync(ChatCall call, CancellationToken cancellationToken)
    {
        string model = call.Model ?? options.DefaultModel;
        ChatClient client = chatClients.GetOrAdd(model, createChatClient);
        var messages = new List<ChatMessage>();
        if (call.System is not null)
        {
            messages.Add(new SystemChatMessage(call.System));
        }

        messages.Add(new UserChatMessage(call.Prompt));
        var completionOptions = new ChatCompletionOptions
        {
            Temperature = call.Temperature is double t ? (float)t : null,
            MaxOutputTokenCount = call.MaxTokens,
        };
        if (call.JsonOutput)
        {
            completionOptions.ResponseFormat = call.OutputSchema is null
                ? ChatResponseFormat.CreateJsonObjectFormat()
                : ChatResponseFormat.CreateJsonSchemaFormat("step_output", BinaryData.FromString(call.OutputSchema.ToJsonString()));
        }

        // Retries included, the call must end before the activity's own limit.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(TimeSpan.FromSeconds(options.ActivityTimeoutSeconds));
        try
        {
            ClientResult<ChatCompletion> result = await client.CompleteChatAsync(messages, completionOptions, budget.Token);
            ChatCompletion completion = result.Value;
            string text = string.Concat(completion.Content.Select(part => part.Text));
            // Some OpenAI-compatible servers omit usage: counting 0 would let budgets be overrun, so estimate and say so.
            return completion.Usage is { } usage
                ? new ChatReply(text, completion.Model ?? model, usage.InputTokenCount, usage.OutputTokenCount, completion.FinishReason.ToString())
                : new ChatReply(text, completion.Model ?? model, TokenEstimate.ForText(call.System) + TokenEstimate.ForText(call.Prompt),
                    TokenEstimate.ForText(text), completion.FinishReason.ToString(), UsageEstimated: true);
        }
        catch (ClientResultException ex)
        {
            throw Classify(ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ModelCallException(FailureReasons.ModelError,
                budget.IsCancellationRequested
                    ? $"model calls used the step's {options.ActivityTimeoutSeconds}s budget"
                    : $"model call timed out after {options.TimeoutSeconds}s", retryable: true, inner: ex);
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

    static Func<string, ChatClient> CreateFactory(ModelOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Endpoint) || !Uri.TryCreate(options.Endpoint, UriKind.Absolute, out Uri? endpoint))
        {
            throw new InvalidOperationException($"Model:Endpoint must be an absolute URL for provider '{options.Provider}'.");
        }

        var retry = new ClientRetryPolicy(options.MaxRetries);
        var timeout = TimeSpan.FromSeconds(options.TimeoutSeconds);
        if (options.Provider == ModelProviders.AzureOpenAI)
        {
            var azureOptions = new AzureOpenAIClientOptions { RetryPolicy = retry, NetworkTimeout = timeout };
            AzureOpenAIClient azure = string.IsNullOrEmpty(options.ApiKey)
                ? new AzureOpenAIClient(endpoint, new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId }), azureOptions)
                : new AzureOpenAIClient(endpoint, new ApiKeyCredential(options.ApiKey), azureOptions);
            return azure.GetChatClient;
        }

        var openAI = new OpenAIClient(
            new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? "unused" : options.ApiKey),
            new OpenAIClientOptions { Endpoint = endpoint, RetryPolicy = retry, NetworkTimeout = timeout });
        return openAI.GetChatClient;
    }
}
