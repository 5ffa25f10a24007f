using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Telemetry;

/// <summary>
/// The standalone app as a process on Azurite, exporting over OTLP: a run started with a caller's traceparent is
/// one trace from the HTTP request through the orchestrator (kept across the Azure Storage provider) to each model call.
/// </summary>
public sealed class StandaloneTraceTests
{
    /// <summary>OTLP's SPAN_KIND_CLIENT.</summary>
    const int ClientKind = 3;

    [Fact]
    public async Task StartRun_WithTraceparent_RequestOrchestrationAndModelCallsShareTheCallersTrace()
    {
        await using OtlpCollector collector = await OtlpCollector.StartAsync();
        await using StandaloneHostProcess host = await StandaloneHostProcess.StartAsync(new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        });
        const string traceId = "0af7651916cd43dd8448eb211c80319c";
        using var start = new HttpRequestMessage(HttpMethod.Post, "api/workflows/document-summary/runs")
        {
            Content = JsonContent.Create(new { title = "Traced", text = "Durable Functions lets you write stateful functions in a serverless environment, traced end to end." }),
        };
        start.Headers.Add("traceparent", $"00-{traceId}-b7ad6b7169203331-01");

        using HttpResponseMessage response = await host.Http.SendAsync(start);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        string id = (await response.Content.ReadFromJsonAsync<JsonObject>())!["instanceId"]!.GetValue<string>();
        Assert.Equal("Completed", (await host.WaitForRunAsync(id))["runtimeStatus"]!.GetValue<string>());

        List<OtlpSpan> trace = [];
        for (var deadline = DateTime.UtcNow.AddMinutes(2); DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            trace = [.. collector.Spans.Where(s => s.TraceId == traceId)];
            if (trace.Any(s => s.Name == "orchestration:WorkflowOrchestrator") && collector.HasMetric("streamcanvas.runs.completed"))
            {
                break;
            }
        }

        string names = string.Join(", ", trace.Select(s => s.Name));
        OtlpSpan request = Assert.Single(trace, s => s.ParentSpanId == "b7ad6b7169203331");
        Assert.StartsWith("POST", request.Name);
        Assert.Single(trace, s => s.Name == "orchestration:WorkflowOrchestrator");
        OtlpSpan[] modelCalls = [.. trace.Where(s => s.Name.StartsWith("chat ", StringComparison.Ordinal))];
        Assert.True(modelCalls.Length >= 1, $"model calls in the trace: {names}");
        Assert.All(modelCalls, call =>
        {
            Assert.Equal("streamcanvas.offline", call.Attributes["gen_ai.provider.name"]);
            Assert.Equal("chat", call.Attributes["gen_ai.operation.name"]);
            Assert.True(int.Parse(call.Attributes["gen_ai.usage.input_tokens"], System.Globalization.CultureInfo.InvariantCulture) > 0);
            Assert.Contains("gen_ai.usage.output_tokens", call.Attributes.Keys);
            Assert.Contains("stop", call.Attributes["gen_ai.response.finish_reasons"], StringComparison.Ordinal);
        });
        Assert.True(collector.HasMetric("streamcanvas.tokens"), "the tokens metric was exported");
        for (var deadline = DateTime.UtcNow.AddSeconds(30); !collector.HasMetric("gen_ai.client.token.usage") && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(200);
        }

        Assert.True(collector.HasMetric("gen_ai.client.token.usage"), "the GenAI token usage histogram was exported");
        Assert.True(collector.HasMetric("gen_ai.client.operation.duration"), "the GenAI operation duration histogram was exported");

        // Neither the worker's gRPC calls to the sidecar nor the provider's background polling are exported.
        Assert.DoesNotContain(collector.Spans, s => s.Name.Contains("TaskHubSidecarService", StringComparison.Ordinal));
        Assert.DoesNotContain(collector.Spans, s => s.Kind == ClientKind && s.ParentSpanId.Length == 0);
    }
}
