using System.Net;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace StreamCanvas.Standalone;

/// <summary>
/// Durable Task's Azure Storage provider served over gRPC (TaskHubGrpcServer) on a loopback port. It is a host
/// of its own, started before the app: a gRPC channel that first finds nobody listening backs off before it tries
/// again, so the app's worker and client must never connect before the sidecar listens.
/// </summary>
public sealed class DurableSidecar : IAsyncDisposable
{
    readonly WebApplication host;

    DurableSidecar(WebApplication host, int port)
    {
        this.host = host;
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
    }

    /// <summary>The channel the app's Durable Task worker and client share.</summary>
    public GrpcChannel Channel { get; }

    /// <param name="port">The loopback port to listen on; 0 lets the OS choose one as it binds (a port picked
    /// beforehand and bound later can be taken in between by any outgoing connection).</param>
    public static async Task<DurableSidecar> StartAsync(IConfiguration configuration, int port)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddConfiguration(configuration);

        // The app reports the URL people use; the sidecar's own start-up lines would only confuse.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(sp => DurableTaskStorage.Create(configuration, sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton<IOrchestrationService>(sp => new PlainStartTags(new RedeliveredStartFilter(
            new WorkItemLockRenewal(sp.GetRequiredService<AzureStorageOrchestrationService>(), DurableTaskStorage.LockRenewInterval(configuration),
                TimeProvider.System, sp.GetRequiredService<ILogger<WorkItemLockRenewal>>()),
            sp.GetRequiredService<ILogger<RedeliveredStartFilter>>())));
        builder.Services.AddSingleton<IOrchestrationServiceClient>(sp => sp.GetRequiredService<AzureStorageOrchestrationService>());
        builder.Services.AddSingleton<TaskHubGrpcServer>();
        builder.Services.AddHostedService<TaskHubStartup>();

        WebApplication host = builder.Build();
        host.MapGrpcService<TaskHubGrpcServer>();
        await host.StartAsync();
        return new DurableSidecar(host, BoundPort(host));
    }

    static int BoundPort(WebApplication host) =>
        new Uri(host.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single()).Port;

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await host.StopAsync(timeout.Token);
        await host.DisposeAsync();
    }

    /// <summary>Creates the task hub's queues, tables and containers before anything polls them.</summary>
    sealed class TaskHubStartup(AzureStorageOrchestrationService service) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => service.CreateIfNotExistsAsync();

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
