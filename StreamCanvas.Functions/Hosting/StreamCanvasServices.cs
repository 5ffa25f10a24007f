using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Models;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Activities.Tools;
using StreamCanvas.Api;
using StreamCanvas.Api.Dashboard;
using StreamCanvas.Definitions;
using StreamCanvas.Starts;
using StreamCanvas.Storage;

namespace StreamCanvas.Hosting;

/// <summary>Everything both hosts share: definitions, activities, model, tools, approvals, API handlers.</summary>
public static class StreamCanvasServices
{
    public const string WorkflowsPathSetting = AppSettingNames.Local.WorkflowsPath;

    public static IServiceCollection AddStreamCanvas(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);

        // Loaded once, eagerly, by the host at startup: an invalid definition stops the host with its message.
        services.AddSingleton(_ => DefinitionLoader.LoadDirectory(WorkflowsDirectory(configuration)));

        services.AddOptions<ModelOptions>().Bind(configuration.GetSection(ModelOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ModelOptions>, ModelOptionsValidator>();
        services.AddSingleton<IChatModel>(sp =>
            sp.GetRequiredService<IOptions<ModelOptions>>().Value.Provider switch
            {
                ModelProviders.Offline or "" => new OfflineChatModel(),
                ModelProviders.AzureOpenAI or ModelProviders.OpenAICompatible => ActivatorUtilities.CreateInstance<OpenAIChatModel>(sp),
                string other => throw new InvalidOperationException($"Model:Provider '{other}' is not one of offline, azure-openai, openai-compatible."),
            });
        services.TraceModelCalls();

        services.AddSingleton<ITokenLedger>(_ => new TableTokenLedger(StorageClients.Tables(configuration)));

        services.Configure<ToolOptions>(configuration.GetSection(ToolOptions.Section));
        services.AddHttpClient(ToolOptions.HttpClientName)
            .AddStandardResilienceHandler()
            .Configure((HttpStandardResilienceOptions resilience, IServiceProvider sp) =>
            {
                ToolOptions tools = sp.GetRequiredService<IOptions<ToolOptions>>().Value;
                resilience.AttemptTimeout.Timeout = TimeSpan.FromSeconds(tools.AttemptTimeoutSeconds);
                resilience.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(Math.Max(tools.DefaultTimeoutSeconds, 600));
                resilience.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(Math.Max(2 * tools.AttemptTimeoutSeconds, 30));

                // POST/PUT/PATCH/DELETE are retried by the step's own policy, which the author chose knowingly.
                resilience.Retry.DisableForUnsafeHttpMethods();
            })
            .SelectPipelineByAuthority();

        services.Configure<ApprovalOptions>(configuration.GetSection(ApprovalOptions.Section));
        services.AddSingleton<ApprovalTokens>();
        services.AddSingleton(_ => ApprovalDecisionStore.Create(configuration));
        services.AddSingleton(_ => ApprovalSnapshotStore.Create(configuration));
        services.AddSingleton<ApprovalsHandler>();
        services.AddHttpClient(NotifyApproversActivity.HttpClientName).AddStandardResilienceHandler();

        services.AddTransient<LlmStepActivity>();
        services.AddTransient<ToolStepActivity>();
        services.AddTransient<NotifyApproversActivity>();
        services.AddTransient<StoreApprovalSnapshotActivity>();
        services.AddTransient<ResolveWorkflowActivity>();

        services.AddSingleton<RunStarter>();

        services.AddSingleton<IStartClaims>(sp => new TableStartClaims(StorageClients.Tables(configuration).GetTableClient(TableStartClaims.TableName), sp.GetRequiredService<TimeProvider>()));
        services.Configure<StartQueueOptions>(configuration.GetSection(StartQueueOptions.Section));
        services.AddSingleton<StartQueues>();
        services.AddSingleton<QueueStartHandler>();
        services.AddSingleton<StartRunHandler>();
        services.AddSingleton<RunsHandler>();
        services.AddSingleton<WorkflowsHandler>();
        services.AddSingleton<Api.Dashboard.DashboardHandler>();
        return services;
    }

    static string WorkflowsDirectory(IConfiguration configuration) =>
        configuration[WorkflowsPathSetting] is { Length: > 0 } path
            ? Path.GetFullPath(path)
            : Path.Combine(AppContext.BaseDirectory, "workflows");
}
