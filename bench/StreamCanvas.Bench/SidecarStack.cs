using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamCanvas.Standalone;

namespace StreamCanvas.Bench;

/// <summary>The standalone host's Durable Task stack (gRPC sidecar, worker, client, same storage settings) in this process.</summary>
public static class SidecarStack
{
    public static async Task<T> RunAsync<T>(StorageCounter storage, IReadOnlyDictionary<string, string> overrides,
        Action<DurableTaskRegistry> registry, Func<DurableTaskClient, Task<T>> drive)
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(overrides.ToDictionary(o => o.Key.Replace("__", ":", StringComparison.Ordinal), o => (string?)o.Value))
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = storage.ConnectionString,
                ["TaskHubName"] = "benchplain" + Guid.NewGuid().ToString("N")[..8],
                ["Logging:LogLevel:Default"] = "None",
            })
            .Build();

        // The same sidecar the standalone host starts, then a worker and client on its channel.
        await using DurableSidecar sidecar = await DurableSidecar.StartAsync(configuration, port: 0);
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDurableTaskWorker(worker =>
        {
            worker.UseGrpc(sidecar.Channel);
            worker.AddTasks(registry);
        });
        builder.Services.AddDurableTaskClient(client => client.UseGrpc(sidecar.Channel));
        using IHost app = builder.Build();
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
