using System.Net;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Api;
using StreamCanvas.Definitions;
using StreamCanvas.Hosting;
using StreamCanvas.Orchestration;
using StreamCanvas.Storage;

namespace StreamCanvas.Standalone;

/// <summary>
/// `dotnet run` without the Functions host: Durable Task's Azure Storage provider served by the gRPC sidecar
/// (<see cref="DurableSidecar"/>) to a Durable Task worker and client, behind the same HTTP routes.
/// </summary>
public static partial class StandaloneHost
{
    public static async Task RunAsync(string[] args)
    {
        // The content root is the build output, where appsettings*.json, host.json and workflows/ are copied.
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddLocalSettings(AppContext.BaseDirectory);
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddCommandLine(args);

        var options = builder.Configuration.GetSection(StandaloneOptions.Section).Get<StandaloneOptions>() ?? new StandaloneOptions();
        await using Azurite? azurite = await EnsureAzuriteAsync(builder.Configuration, options);

        await using DurableSidecar sidecar = await DurableSidecar.StartAsync(builder.Configuration, options.SidecarPort);
        WebApplication app = Build(builder, options, sidecar.Channel);
        int workflows = app.Services.GetRequiredService<Definitions.WorkflowCatalog>().All.Count;
        ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("StreamCanvas");
        app.Services.GetRequiredService<OperatorKey>().LogStartup(logger);
        await app.StartAsync();
        LogReady(logger, $"http://{options.BindAddress}:{options.Port}/api", workflows);
        await app.WaitForShutdownAsync();
    }

    static WebApplication Build(WebApplicationBuilder builder, StandaloneOptions options, GrpcChannel channel)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Parse(options.BindAddress), options.Port, o => o.Protocols = HttpProtocols.Http1));

        IServiceCollection services = builder.Services;
        services.AddStreamCanvas(builder.Configuration);
        services.AddStreamCanvasTelemetry(builder.Configuration, functionsHost: false);
        services.AddDurableTaskWorker(worker =>
        {
            worker.UseGrpc(channel);
            worker.AddTasks(tasks =>
            {
                tasks.AddOrchestrator<WorkflowOrchestrator>();
                tasks.AddOrchestrator<MapChunkOrchestrator>();
                tasks.AddActivity(nameof(LlmStepActivity), sp => new ServiceActivity<LlmStepRequest, StepOutcome>(sp.GetRequiredService<LlmStepActivity>().RunAsync));
                tasks.AddActivity(nameof(ToolStepActivity), sp => new ServiceActivity<ToolStepRequest, StepOutcome>(sp.GetRequiredService<ToolStepActivity>().RunAsync));
                tasks.AddActivity(nameof(NotifyApproversActivity), sp => new ServiceActivity<ApprovalNotice, bool>(sp.GetRequiredService<NotifyApproversActivity>().RunAsync));
                tasks.AddActivity(nameof(StoreApprovalSnapshotActivity), sp => new ServiceActivity<SnapshotToStore, bool>(sp.GetRequiredService<StoreApprovalSnapshotActivity>().RunAsync));
                tasks.AddActivity(nameof(ResolveWorkflowActivity), sp => new ServiceActivity<ResolveWorkflowRequest, ResolvedWorkflow>(sp.GetRequiredService<ResolveWorkflowActivity>().RunAsync));
            });
        });
        services.AddDurableTaskClient(client => client.UseGrpc(channel));
        services.AddHostedService<StartQueueListener>();
        services.AddSingleton<OperatorKey>();
        services.AddProblemDetails();

        WebApplication app = builder.Build();

        // A path no route matches (e.g. "../" tricks the client collapsed) answers problem+json like every other 4xx.
        app.UseStatusCodePages();
        app.UseExceptionHandler(errors => errors.Run(context =>
        {
            Exception? error = context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Error;
            return UnexpectedErrors.ToProblem(error ?? new InvalidOperationException("unknown error")).ExecuteAsync(context);
        }));
        app.MapStreamCanvasApi();
        return app;
    }

    static async Task<Azurite?> EnsureAzuriteAsync(IConfiguration configuration, StandaloneOptions options)
    {
        if (!options.StartAzurite || !Azurite.IsDevelopmentStorage(StorageClients.ConnectionString(configuration)) || await Azurite.IsListeningAsync(10000))
        {
            return null;
        }

        string location = Path.IsPathRooted(options.AzuriteLocation)
            ? options.AzuriteLocation
            : Path.Combine(Azurite.RepositoryRoot(), options.AzuriteLocation);
        return await Azurite.StartAsync(location);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "StreamCanvas is ready at {ApiUrl} with {Workflows} workflow(s)")]
    static partial void LogReady(ILogger logger, string apiUrl, int workflows);
}
