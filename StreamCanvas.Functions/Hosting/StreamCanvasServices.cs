using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamCanvas.Activities.Alerts;
using StreamCanvas.Activities.Mcp;
using StreamCanvas.Activities.Models;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Activities.Tools;
using StreamCanvas.Api;
using StreamCanvas.Api.Readiness;
using StreamCanvas.Approvals;
using StreamCanvas.Definitions;
using StreamCanvas.Schedules;
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
        // A level's notify must name a configured channel (or "none"), checked here because it needs configuration.
        services.AddSingleton(sp => NotifyChannels.Check(
            DefinitionLoader.LoadDirectory(WorkflowsDirectory(configuration)), sp.GetRequiredService<IOptions<ApprovalOptions>>().Value));

        services.AddOptions<ModelOptions>().Bind(configuration.GetSection(ModelOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ModelOptions>, ModelOptionsValidator>();
        services.AddSingleton<IModelQuotaStore>(_ => new TableModelQuotaStore(StorageClients.Tables(configuration)));
        services.AddSingleton(sp =>
        {
            ModelOptions options = sp.GetRequiredService<IOptions<ModelOptions>>().Value;
            return ModelPipeline.Build(ModelPipeline.Backend(options), options, sp.GetRequiredService<IModelQuotaStore>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetService<ILoggerFactory>());
        });

        // A reservation outlives any model call: no activity runs past the host's function timeout.
        services.AddSingleton<ITokenLedger>(sp => new TableTokenLedger(StorageClients.Tables(configuration), sp.GetRequiredService<TimeProvider>(),
            TimeSpan.FromSeconds(ModelOptions.HostFunctionTimeoutSeconds)));
        services.AddSingleton<ModelPricing>();
        services.AddSingleton<DailyBudget>();
        services.AddSingleton<IRunRecords>(_ => new TableRunRecords(StorageClients.Tables(configuration), configuration[AppSettingNames.TaskHub] ?? ""));

        services.Configure<ToolOptions>(configuration.GetSection(ToolOptions.Section));
        services.AddHttpClient(ConnectionHealthProbe.HttpClientName);
        services.AddSingleton<ConnectionHealthProbe>();
        services.AddHttpClient(ToolOptions.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(NoRedirects)
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

        // MCP servers agent steps take tools from: no resilience handler (the step's retry decides), no redirects
        // (they would carry the server's headers elsewhere).
        services.Configure<McpOptions>(configuration.GetSection(McpOptions.Section));
        services.AddHttpClient(McpServers.HttpClientName).ConfigurePrimaryHttpMessageHandler(NoRedirects);
        services.AddSingleton<McpServers>();

        services.Configure<ApprovalOptions>(configuration.GetSection(ApprovalOptions.Section));
        services.AddSingleton<ApprovalTokens>();
        services.AddSingleton(_ => ApprovalDecisionStore.Create(configuration));
        services.AddSingleton(_ => ApprovalSnapshotStore.Create(configuration));
        services.AddOptions<ApprovalDecisionOptions>();
        services.AddSingleton<ApprovalDecider>();
        services.AddSingleton<GateViews>();
        services.AddSingleton<DecideApprovalHandler>();
        services.AddSingleton<ShowApprovalHandler>();
        services.AddSingleton<ListApprovalsHandler>();
        // The webhook URL is a secret (Slack and Teams keep it in the path): the client logs no URLs.
        services.AddHttpClient(NotifyApproversActivity.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(NoRedirects)
            .RemoveAllLoggers()
            .AddStandardResilienceHandler();

        services.AddActivityServices();

        services.Configure<AlertOptions>(configuration.GetSection(AlertOptions.Section));
        services.AddSingleton<IAlertClaims>(sp => new TableAlertClaims(StorageClients.Tables(configuration).GetTableClient(TableAlertClaims.TableName), sp.GetRequiredService<TimeProvider>()));
        services.AddHttpClient(AlertOwnerActivity.HttpClientName).AddStandardResilienceHandler();

        services.AddSingleton<RunStarter>();
        services.AddSingleton<SampleCms>();

        services.AddSingleton<IStartClaims>(sp => new TableStartClaims(StorageClients.Tables(configuration).GetTableClient(TableStartClaims.TableName), sp.GetRequiredService<TimeProvider>()));
        services.Configure<ClaimsOptions>(configuration.GetSection(ClaimsOptions.Section));
        services.AddSingleton<ClaimsRetention>();
        services.AddHostedService(sp => sp.GetRequiredService<ClaimsRetention>());
        services.Configure<StartQueueOptions>(configuration.GetSection(StartQueueOptions.Section));
        services.AddSingleton<StartQueues>();
        services.AddSingleton<QueueStartHandler>();
        services.Configure<ScheduleOptions>(configuration.GetSection(ScheduleOptions.Section));
        services.AddSingleton<IScheduleStates>(_ => new TableScheduleStates(StorageClients.Tables(configuration), configuration[AppSettingNames.TaskHub] ?? ""));
        services.AddSingleton<ScheduledStarts>();
        services.AddSingleton<DueOccurrences>();
        services.AddSingleton<ScheduleLoops>();
        services.AddSingleton<SchedulesHandler>();
        services.AddSingleton<StartRunHandler>();
        services.AddSingleton<RunsHandler>();
        services.AddSingleton<WorkflowsHandler>();
        services.AddSingleton<Api.Mcp.WorkflowTools>();
        services.AddSingleton<ReadinessHandler>();
        services.AddSingleton<RecordHandler>();
        services.AddSingleton<Api.Dashboard.DashboardHandler>();
        return services;
    }

    /// <summary>Tool and notify calls never follow a redirect: it would carry their headers and bodies to another host.</summary>
    static HttpMessageHandler NoRedirects() => new SocketsHttpHandler { AllowAutoRedirect = false };

    public static string WorkflowsDirectory(IConfiguration configuration) =>
        configuration[WorkflowsPathSetting] is { Length: > 0 } path
            ? Path.GetFullPath(path)
            : Path.Combine(AppContext.BaseDirectory, "workflows");
}
