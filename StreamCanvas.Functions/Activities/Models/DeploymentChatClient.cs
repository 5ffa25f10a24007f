using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Azure.AI.OpenAI;
using Azure.Identity;
using Microsoft.Extensions.AI;
using OpenAI;

namespace StreamCanvas.Activities.Models;

/// <summary>
/// Azure OpenAI (through Azure.AI.OpenAI) or any OpenAI-compatible endpoint as an <see cref="IChatClient"/>: one
/// Microsoft.Extensions.AI.OpenAI client per model or deployment, picked by <see cref="ChatOptions.ModelId"/>
/// (the default model when a call names none). The OpenAI client pipeline retries 429 and 5xx (honouring
/// Retry-After) up to <see cref="ModelOptions.MaxRetries"/> times before <see cref="ModelErrorsChatClient"/> classifies.
/// </summary>
public sealed class DeploymentChatClient : IChatClient
{
    readonly ModelOptions options;
    readonly Func<string, IChatClient> createChatClient;
    readonly ConcurrentDictionary<string, IChatClient> chatClients = new(StringComparer.Ordinal);
    readonly ChatClientMetadata metadata;

    public DeploymentChatClient(ModelOptions options)
    {
        this.options = options;
        if (string.IsNullOrWhiteSpace(options.Endpoint) || !Uri.TryCreate(options.Endpoint, UriKind.Absolute, out Uri? endpoint))
        {
            throw new InvalidOperationException($"Model:Endpoint must be an absolute URL for provider '{options.Provider}'.");
        }

        createChatClient = CreateFactory(options, endpoint);
        metadata = new ChatClientMetadata(ModelTelemetry.ProviderOf(options.Provider), endpoint, options.DefaultModel);
    }

    IChatClient For(ChatOptions? chatOptions) =>
        chatClients.GetOrAdd(chatOptions?.ModelId ?? options.DefaultModel, createChatClient);

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        For(options).GetResponseAsync(messages, options, cancellationToken);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        For(options).GetStreamingResponseAsync(messages, options, cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata) ? metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
        foreach (IChatClient client in chatClients.Values)
        {
            client.Dispose();
        }
    }

    /// <summary>Retries inside one call (Retry-After honoured); under a quota, 429s are left to the limiter.</summary>
    public static ClientRetryPolicy RetryPolicyFor(ModelOptions options) =>
        options.Quota.Limits ? new QuotaRetryPolicy(options.MaxRetries) : new ClientRetryPolicy(options.MaxRetries);

    static Func<string, IChatClient> CreateFactory(ModelOptions options, Uri endpoint)
    {
        ClientRetryPolicy retry = RetryPolicyFor(options);
        var timeout = TimeSpan.FromSeconds(options.TimeoutSeconds);
        if (options.Provider == ModelProviders.AzureOpenAI)
        {
            var azureOptions = new AzureOpenAIClientOptions { RetryPolicy = retry, NetworkTimeout = timeout };
            AzureOpenAIClient azure = string.IsNullOrEmpty(options.ApiKey)
                ? new AzureOpenAIClient(endpoint, new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId }), azureOptions)
                : new AzureOpenAIClient(endpoint, new ApiKeyCredential(options.ApiKey), azureOptions);
            return deployment => azure.GetChatClient(deployment).AsIChatClient();
        }

        var openAI = new OpenAIClient(
            new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? "unused" : options.ApiKey),
            new OpenAIClientOptions { Endpoint = endpoint, RetryPolicy = retry, NetworkTimeout = timeout });
        return model => openAI.GetChatClient(model).AsIChatClient();
    }
}
