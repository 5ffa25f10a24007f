using System.Net;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StreamCanvas.Hosting.Standalone;

namespace StreamCanvas.Bench;

/// <summary>The standalone host's Durable Task stack (gRPC sidecar, worker, client, same storage settings) in this process.</summary>
public static class SidecarStack
{
    public static async Task<T> RunAsync<T>(StorageCounter storage, IReadOnlyDictionary<string, string> overrides,
        Action<DurableTaskRegistry> registry, Func<DurableTaskClient, Task<T>> drive)
    {
        int sidecarPort = EngineProcess.FreePort();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(overrides.ToDictionary(o => o.Key.Replace("__", ":", StringComparison.Ordinal), o => (string?)o.Value));
        builder.Configuration["AzureWebJobsStorage"] = storage.ConnectionString;
        builder.Configuration["TaskHubName"] = "benchplain" + Guid.NewGuid().ToString("N")[..8];
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, sidecarPort, o => o.Protocols = HttpProtocols.Http2));
        IServiceCollection services = builder.Services;
        services.AddGrpc();
        services.AddSingleton(sp => DurableTaskStorage.Create(builder.Configuration, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IOrchestrationService>(sp => sp.GetRequiredService<AzureStorageOrchestrationService>());
        services.AddSingleton<IOrchestrationServiceClient>(sp => sp.GetRequiredService<AzureStorageOrchestrationService>());

        services.AddSingleton<TaskHubGrpcServer>();
        GrpcChannel channel = GrpcChannel.ForAddress($"http://127.0.0.1:{sidecarPort}");
        services.AddDurableTaskWorker(worker =>
        {
            worker.UseGrpc(channel);
            worker.AddTasks(registry);
        });
        services.AddDurableTaskClient(client => client.UseGrpc(channel));
        await using WebApplication app = builder.Build();
        app.MapGrpcService<TaskHubGrpcServer>();
        await app.Services.GetRequiredService<IOrchestrationService>().CreateIfNotExistsAsync();

        await app.StartAsync();
        try
        {
            return await drive(app.Services.GetRequiredService<DurableTaskClient>());
        }
        finally
        {
            await app.StopAsync();
        }
    }

}
