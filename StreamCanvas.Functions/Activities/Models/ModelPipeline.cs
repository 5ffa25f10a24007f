using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StreamCanvas.Storage;
using StreamCanvas.Telemetry;

namespace StreamCanvas.Activities.Models;

/// <summary>
/// The one <see cref="IChatClient"/> the activities call: the quota limiter (when Model:Quota sets limits), then
/// Microsoft.Extensions.AI's OpenTelemetry client (GenAI spans and metrics under
/// <see cref="StreamCanvasTelemetry.GenAIName"/>, so a span covers the call and not the wait for room), then the
/// engine's error and usage rules, then the backend for <see cref="ModelOptions.Provider"/>.
/// </summary>
public static class ModelPipeline
{
    /// <summary>The backend for the configured provider: the offline model, or Azure OpenAI / OpenAI-compatible.</summary>
    public static IChatClient Backend(ModelOptions options) => options.Provider switch
    {
        ModelProviders.Offline or "" => new OfflineChatClient(options.DefaultModel),
        ModelProviders.AzureOpenAI or ModelProviders.OpenAICompatible => new DeploymentChatClient(options),
        string other => throw new InvalidOperationException($"Model:Provider '{other}' is not one of offline, azure-openai, openai-compatible."),
    };

    public static IChatClient Build(IChatClient backend, ModelOptions options, IModelQuotaStore? quotaStore = null, TimeProvider? clock = null, ILoggerFactory? loggers = null)
    {
        ILoggerFactory factory = loggers ?? NullLoggerFactory.Instance;
        var builder = new ChatClientBuilder(backend);
        if (options.Quota.Limits && quotaStore is not null)
        {
            builder.Use(inner => new QuotaLimitedChatClient(inner, quotaStore, options, clock ?? TimeProvider.System, factory.CreateLogger<QuotaLimitedChatClient>()));
        }

        return builder
            .UseOpenTelemetry(factory, StreamCanvasTelemetry.GenAIName)
            .Use(inner => new ModelErrorsChatClient(inner, options))
            .Build();
    }
}
