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
    public async Task TraceModelCalls_ModelRegistered_ResolvesTheBackendWrappedInItsSpan()
    {
        using ServiceProvider services = new ServiceCollection()
            .Configure<ModelOptions>(o => o.DefaultModel = "gpt-wrapped")
            .AddSingleton<IChatModel>(_ => new OfflineChatModel())
            .TraceModelCalls()
            .BuildServiceProvider();

        IChatModel model = services.GetRequiredService<IChatModel>();

        Assert.IsType<TracedChatModel>(model);
        Assert.Single(services.GetServices<IChatModel>());
        Assert.StartsWith("[offline]", (await model.CompleteAsync(new ChatCall(null, "hi", null, null, null, false, null), CancellationToken.None)).Text);
    }
}
