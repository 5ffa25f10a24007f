using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using StreamCanvas.Telemetry;

namespace StreamCanvas.Tests.Support;

/// <summary>
/// Listens to the StreamCanvas and GenAI sources and meters with OpenTelemetry's in-memory exporters. Other tests emit into
/// the same static instruments at the same time, so assertions filter by a workflow name only their test uses.
/// </summary>
public sealed class TelemetryCapture : IDisposable
{
    readonly List<Activity> spans = [];
    readonly List<MetricSnapshot> metrics = [];
    readonly TracerProvider tracer;
    readonly MeterProvider meter;

    public TelemetryCapture(params string[] moreSources)
    {
        tracer = Sdk.CreateTracerProviderBuilder().AddSource([StreamCanvasTelemetry.Name, StreamCanvasTelemetry.GenAIName, .. moreSources]).AddInMemoryExporter(spans).Build()!;
        meter = Sdk.CreateMeterProviderBuilder().AddMeter(StreamCanvasTelemetry.Name, StreamCanvasTelemetry.GenAIName).AddInMemoryExporter(metrics).Build()!;
    }

    public IReadOnlyList<Activity> AllSpans()
    {
        tracer.ForceFlush();
        lock (spans)
        {
            return [.. spans];
        }
    }

    /// <summary>Waits for a span Durable Task ends just after the client sees the run complete.</summary>
    public async Task<Activity> WaitForSpanAsync(Func<Activity, bool> match)
    {
        for (var deadline = DateTime.UtcNow.AddMinutes(2); ; await Task.Delay(50))
        {
            if (AllSpans().FirstOrDefault(match) is { } span)
            {
                return span;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the span never ended");
            }
        }
    }

    public IReadOnlyList<Activity> Spans(string name)
    {
        tracer.ForceFlush();
        lock (spans)
        {
            return spans.Where(s => s.DisplayName == name || s.OperationName == name).ToList();
        }
    }

    /// <summary>The points of one instrument whose tags include every given tag, after a flush.</summary>
    public IReadOnlyList<MetricPoint> Points(string instrument, params (string Key, string Value)[] tags)
    {
        metrics.Clear();
        meter.ForceFlush();
        return metrics.Where(m => m.Name == instrument)
            .SelectMany(m => m.MetricPoints)
            .Where(p => tags.All(t => Tags(p).TryGetValue(t.Key, out object? v) && Equals(v?.ToString(), t.Value)))
            .ToList();
    }

    public long Sum(string instrument, params (string Key, string Value)[] tags) =>
        Points(instrument, tags).Sum(p => p.GetSumLong());

    public double HistogramSum(string instrument, params (string Key, string Value)[] tags) =>
        Points(instrument, tags).Sum(p => p.GetHistogramSum());

    public long Count(string instrument, params (string Key, string Value)[] tags) =>
        Points(instrument, tags).Sum(p => p.GetHistogramCount());

    public static Dictionary<string, object?> Tags(MetricPoint point)
    {
        var tags = new Dictionary<string, object?>();
        foreach (KeyValuePair<string, object?> tag in point.Tags)
        {
            tags[tag.Key] = tag.Value;
        }

        return tags;
    }

    public void Dispose()
    {
        tracer.Dispose();
        meter.Dispose();
    }
}
