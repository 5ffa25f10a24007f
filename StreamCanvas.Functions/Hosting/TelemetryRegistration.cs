using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using StreamCanvas.Telemetry;

namespace StreamCanvas.Hosting;

/// <summary>Which exporters the configuration asks for: Application Insights, OTLP, both, or none.</summary>
public sealed record TelemetryExporters(bool AzureMonitor, bool Otlp)
{
    public bool Any => AzureMonitor || Otlp;

    public static TelemetryExporters From(IConfiguration configuration) => new(
        !string.IsNullOrWhiteSpace(configuration[AppSettingNames.ApplicationInsights]),
        !string.IsNullOrWhiteSpace(configuration[AppSettingNames.OtlpEndpoint]));
}

public static class TelemetryRegistration
{
    /// <summary>
    /// Traces (ours, the model calls' GenAI spans, Durable Task's, HTTP in and out) and the StreamCanvas and GenAI meters, exported only where a setting
    /// points: with neither set nothing listens, so the instruments cost nothing.
    /// </summary>
    public static IServiceCollection AddStreamCanvasTelemetry(this IServiceCollection services, IConfiguration configuration, bool functionsHost)
    {
        TelemetryExporters exporters = TelemetryExporters.From(configuration);
        if (!exporters.Any)
        {
            return services;
        }

        OpenTelemetryBuilder builder = services.AddOpenTelemetry();
        builder.WithTracing(tracing =>
        {
            tracing.AddSource(StreamCanvasTelemetry.Name, StreamCanvasTelemetry.GenAIName, StreamCanvasTelemetry.DurableTaskSource)
                .AddProcessor<BackgroundCallFilter>()
                .AddHttpClientInstrumentation(SecretUrls.Configure);
            if (!functionsHost)
            {
                // Under the Functions host the host itself records the HTTP request and passes its context in.
                tracing.AddAspNetCoreInstrumentation(aspNet => aspNet.Filter = context => !BackgroundCallFilter.IsGrpc(context.Request.ContentType));
            }
        });
        builder.WithMetrics(metrics => metrics.AddMeter(StreamCanvasTelemetry.Name, StreamCanvasTelemetry.GenAIName));
        if (functionsHost)
        {
            // Links the worker's spans to the host's invocation span, so a Functions run is still one trace.
            builder.UseFunctionsWorkerDefaults();
        }

        if (exporters.AzureMonitor)
        {
            // Reads APPLICATIONINSIGHTS_CONNECTION_STRING itself.
            builder.UseAzureMonitorExporter();
        }

        if (exporters.Otlp)
        {
            // Reads OTEL_EXPORTER_OTLP_ENDPOINT (and _PROTOCOL, _HEADERS) itself.
            builder.UseOtlpExporter();
        }

        return services;
    }
}
