using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using StreamCanvas.Activities.Models;
using StreamCanvas.Hosting;

namespace StreamCanvas.Tests.Telemetry;

public sealed class TelemetryRegistrationTests
{
    /// <summary>
    /// The registrations only: a built provider would listen to the process-wide StreamCanvas source (and apply its
    /// filter) while other tests capture spans from it.
    /// </summary>
    static IServiceCollection Services(string? appInsights, string? otlp)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [AppSettingNames.ApplicationInsights] = appInsights,
            [AppSettingNames.OtlpEndpoint] = otlp,
        }).Build();
        return new ServiceCollection().AddLogging().AddSingleton(configuration).AddStreamCanvasTelemetry(configuration, functionsHost: false);
    }

    [Theory]
    [InlineData(null, null, false, false)]
    [InlineData("", " ", false, false)]
    [InlineData("InstrumentationKey=00000000-0000-0000-0000-000000000000", null, true, false)]
    [InlineData(null, "http://localhost:4317", false, true)]
    [InlineData("InstrumentationKey=00000000-0000-0000-0000-000000000000", "http://localhost:4317", true, true)]
    public void From_Settings_PicksTheExportersThatAreSet(string? appInsights, string? otlp, bool azureMonitor, bool otlpExport)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [AppSettingNames.ApplicationInsights] = appInsights,
            [AppSettingNames.OtlpEndpoint] = otlp,
        }).Build();

        Assert.Equal(new TelemetryExporters(azureMonitor, otlpExport), TelemetryExporters.From(configuration));
    }

    [Fact]
    public void AddStreamCanvasTelemetry_NoExporterSet_RegistersNoProvider()
    {
        IServiceCollection services = Services(null, null);

        Assert.DoesNotContain(services, d => d.ServiceType == typeof(TracerProvider) || d.ServiceType == typeof(MeterProvider));
    }

    [Fact]
    public void AddStreamCanvasTelemetry_OtlpEndpointSet_RegistersTracesAndMetrics()
    {
        IServiceCollection services = Services(null, "http://127.0.0.1:4317");

        Assert.Contains(services, d => d.ServiceType == typeof(TracerProvider));
        Assert.Contains(services, d => d.ServiceType == typeof(MeterProvider));
    }

    [Fact]
    public async Task ModelPipeline_OfflineProvider_AnswersThroughTheOpenTelemetryAndErrorClients()
    {
        var options = new ModelOptions { DefaultModel = "gpt-wrapped" };
        using IChatClient model = ModelPipeline.Build(ModelPipeline.Backend(options), options);

        Assert.NotNull(model.GetService<OpenTelemetryChatClient>());
        Assert.NotNull(model.GetService<ModelErrorsChatClient>());
        Assert.Equal("streamcanvas.offline", model.GetService<ChatClientMetadata>()!.ProviderName);
        Assert.StartsWith("[offline]", (await model.GetResponseAsync("hi")).Text, StringComparison.Ordinal);
    }
}
