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
using StreamCanvas.Api;
using StreamCanvas.Hosting;
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
        ConfigurationGuard.Check(builder.Configuration, builder.Environment, OperatorKey.Setting);

        var options = builder.Configuration.GetSection(StandaloneOptions.Section).Get<StandaloneOptions>() ?? new StandaloneOptions();
        Azurite? azurite;
        using (ILoggerFactory startupLogs = LoggerFactory.Create(logging => logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddSimpleConsole()))
        {
            azurite = await EnsureAzuriteAsync(builder.Configuration, options, startupLogs.CreateLogger("StreamCanvas"));
        }

        if (azurite is null)
        {
            await RunOnStorageAsync(builder, options);
            return;
        }

        // The emulator may be on other ports than UseDevelopmentStorage=true names: the app and the provider use its own.
        builder.Configuration.AddInMemoryCollection([new(StorageClients.ConnectionSetting, azurite.ConnectionString)]);
        try
        {
            await RunOnStorageAsync(builder, options);
        }
        finally
        {
            await EngineAzurite.StopAsync(azurite, AzuriteLocation(options));
        }
    }

    static async Task RunOnStorageAsync(WebApplicationBuilder builder, StandaloneOptions options)
    {
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
            worker.AddTasks(tasks => tasks.AddStreamCanvasTasks());
        });
        services.AddDurableTaskClient(client => client.UseGrpc(channel));
        services.AddHostedService<StartQueueListener>();
        services.AddHostedService<ScheduleLoopStarter>();

        // Storage going away (Azurite restarted, a network blip) must not stop the engine: a background loop that
        // throws is logged and the host keeps serving (503 with Retry-After) until storage is back.
        services.Configure<HostOptions>(host => host.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.Ignore);
        services.AddSingleton<OperatorKey>();
        services.AddProblemDetails();
        services.AddStreamCanvasMcp();

        WebApplication app = builder.Build();

        // A path no route matches (e.g. "../" tricks the client collapsed) answers problem+json like every other 4xx.
        app.UseStatusCodePages();
        app.UseExceptionHandler(errors => errors.Run(context =>
        {
            Exception? error = context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Error;
            return UnexpectedErrors.ToProblem(error ?? new InvalidOperationException("unknown error")).ExecuteAsync(context);
        }));
        app.Use(async (context, next) =>
        {
            PlatformHeaders.Strip(context.Request);
            if (LocalRequests.Refuse(context.Request, app.Environment) is { } refused)
            {
                await refused.ExecuteAsync(context);
                return;
            }

            await next(context);
        });
        app.MapStreamCanvasApi();
        app.MapStreamCanvasMcp();
        return app;
    }

    static async Task<Azurite?> EnsureAzuriteAsync(IConfiguration configuration, StandaloneOptions options, ILogger logger)
    {
        if (!options.StartAzurite || !Azurite.IsDevelopmentStorage(StorageClients.ConnectionString(configuration)))
        {
            return null;
        }

        return await EngineAzurite.EnsureAsync(AzuriteLocation(options), options.AzuriteBlobPort, options.AzuriteQueuePort, options.AzuriteTablePort, logger);
    }

    static string AzuriteLocation(StandaloneOptions options) => Path.IsPathRooted(options.AzuriteLocation)
        ? options.AzuriteLocation
        : Path.Combine(Azurite.RepositoryRoot(), options.AzuriteLocation);

    [LoggerMessage(Level = LogLevel.Information, Message = "StreamCanvas is ready at {ApiUrl} with {Workflows} workflow(s)")]
    static partial void LogReady(ILogger logger, string apiUrl, int workflows);
}
