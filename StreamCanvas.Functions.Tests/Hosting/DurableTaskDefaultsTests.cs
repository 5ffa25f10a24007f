using System.Text.Json.Nodes;
using DurableTask.AzureStorage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using StreamCanvas.Hosting;
using StreamCanvas.Standalone;

namespace StreamCanvas.Tests.Hosting;

/// <summary>Both hosts run with the same work-item limits unless told otherwise: host.json and the standalone defaults agree.</summary>
public sealed class DurableTaskDefaultsTests
{
    /// <summary>What Durable Functions applies when host.json leaves maxConcurrentOrchestratorFunctions out: 10 per core.</summary>
    const int FunctionsExtensionOrchestrationsPerCore = 10;

    static readonly JsonObject DurableTask =
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")))!["extensions"]!["durableTask"]!.AsObject();

    static AzureStorageOrchestrationService StandaloneWithDefaults() =>
        DurableTaskStorage.Create(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" }).Build(), NullLoggerFactory.Instance);

    [Fact]
    public void ActivitySlots_HostJsonAndStandalone_Agree()
    {
        Assert.Equal(DurableTaskDefaults.MaxConcurrentActivities, DurableTask["maxConcurrentActivityFunctions"]!.GetValue<int>());
        Assert.Equal(DurableTaskDefaults.MaxConcurrentActivities, StandaloneWithDefaults().MaxConcurrentTaskActivityWorkItems);
    }

    [Fact]
    public void OrchestrationSlots_BothHosts_ScaleWithCores()
    {
        // host.json leaves the number to the extension, which scales it with the instance's cores.
        Assert.False(DurableTask.ContainsKey("maxConcurrentOrchestratorFunctions"), "host.json pins maxConcurrentOrchestratorFunctions; the standalone host scales it with cores");
        Assert.Equal(FunctionsExtensionOrchestrationsPerCore, DurableTaskDefaults.OrchestrationsPerCore);
        Assert.Equal(FunctionsExtensionOrchestrationsPerCore * Environment.ProcessorCount, StandaloneWithDefaults().MaxConcurrentTaskOrchestrationWorkItems);
    }

    [Fact]
    public void QueuePolling_StandaloneShortAndAzureOneSecond()
    {
        // Standalone: a decision is picked up within ~100 ms (local storage, idle polls cost nothing).
        // Functions: each idle poll is a billed transaction, so 1 s (docs/performance.md has the cost per month).
        var empty = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" }).Build();
        Assert.Equal(TimeSpan.FromMilliseconds(100), DurableTaskStorage.Settings(empty, NullLoggerFactory.Instance).MaxQueuePollingInterval);
        Assert.Equal("00:00:01", DurableTask["storageProvider"]!["maxQueuePollingInterval"]!.GetValue<string>());
    }
}
