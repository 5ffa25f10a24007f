using System.Net;
using System.Net.Sockets;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamCanvas.Activities;
using StreamCanvas.Approvals;
using StreamCanvas.Orchestration;

namespace StreamCanvas.Hosting.Standalone;

/// <summary>
/// `dotnet run` without the Functions host: Durable Task's Azure Storage provider served by the gRPC sidecar
/// (TaskHubGrpcServer) to a Durable Task worker and client, behind the same HTTP routes.
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

        WebApplication app = Build(builder, options);
        int workflows = app.Services.GetRequiredService<Definitions.WorkflowCatalog>().All.Count;
        ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("StreamCanvas");
        app.Services.GetRequiredService<OperatorKey>().LogStartup(logger);
        await app.StartAsync();
        LogReady(logger, $"http://{options.BindAddress}:{options.Port}/api", workflows);
        await app.WaitForShutdownAsync();
    }

    static WebApplication Build(WebApplicationBuilder builder, StandaloneOptions options)
    {
        int sidecarPort = options.SidecarPort > 0 ? options.SidecarPort : FreePort();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // The sidecar first: Kestrel binds in order, and the API must not answer before the sidecar it calls can.
            kestrel.Listen(IPAddress.Loopback, sidecarPort, o => o.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Parse(options.BindAddress), options.Port, o => o.Protocols = HttpProtocols.Http1AndHttp2);
        });

        IServiceCollection services = builder.Services;
        services.AddStreamCanvas(builder.Configuration);
        services.AddGrpc();
        services.AddSingleton(sp => DurableTaskStorage.Create(builder.Configuration, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IOrchestrationService>(sp => sp.GetRequiredService<AzureStorageOrchestrationService>());
        services.AddSingleton<IOrchestrationServiceClient>(sp => sp.GetRequiredService<AzureStorageOrchestrationService>());
        services.AddSingleton<TaskHubGrpcServer>();

        // Registered before the worker so the task hub exists before anything polls it.
        services.AddHostedService<TaskHubStartup>();

        GrpcChannel channel = GrpcChannel.ForAddress($"http://127.0.0.1:{sidecarPort}");
        services.AddDurableTaskWorker(worker =>
        {
            worker.UseGrpc(channel);
            worker.AddTasks(tasks =>
            {
                tasks.AddOrchestrator<WorkflowOrchestrator>();
                tasks.AddActivity(nameof(LlmStepActivity), sp => new ServiceActivity<LlmStepRequest, StepOutcome>(sp.GetRequiredService<LlmStepActivity>().RunAsync));
                tasks.AddActivity(nameof(ToolStepActivity), sp => new ServiceActivity<ToolStepRequest, StepOutcome>(sp.GetRequiredService<ToolStepActivity>().RunAsync));
                tasks.AddActivity(nameof(NotifyApproversActivity), sp => new ServiceActivity<ApprovalNotice, bool>(sp.GetRequiredService<NotifyApproversActivity>().RunAsync));
            });
        });
        services.AddDurableTaskClient(client => client.UseGrpc(channel));
        services.AddHostedService<StartQueueListener>();
        services.AddSingleton<OperatorKey>();
        services.AddProblemDetails();
        services.AddExceptionHandler<StorageUnavailableHandler>();

        WebApplication app = builder.Build();

        // A path no route matches (e.g. "../" tricks the client collapsed) answers problem+json like every other 4xx.
        app.UseStatusCodePages();
        app.UseExceptionHandler();
        app.MapGrpcService<TaskHubGrpcServer>().RequireHost($"*:{sidecarPort}");
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

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "StreamCanvas is ready at {ApiUrl} with {Workflows} workflow(s)")]
    static partial void LogReady(ILogger logger, string apiUrl, int workflows);

    /// <summary>Creates the task hub's queues, tables and containers before the worker starts.</summary>
    sealed class TaskHubStartup(AzureStorageOrchestrationService service) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => service.CreateIfNotExistsAsync();

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
