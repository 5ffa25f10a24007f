using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace StreamCanvas.Tests.Support;

/// <summary>A span as an OTLP exporter sent it.</summary>
public sealed record OtlpSpan(string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// The receiving end of OTLP over HTTP/protobuf, for tests of the app as a separate process: keeps the spans of
/// /v1/traces and the raw bodies of /v1/metrics. Reads just the protobuf fields of the OTLP trace schema it needs.
/// </summary>
public sealed class OtlpCollector : IAsyncDisposable
{
    readonly ConcurrentQueue<OtlpSpan> spans = new();
    readonly ConcurrentQueue<byte[]> metrics = new();
    StubHttpServer server = null!;

    public string Endpoint => server.BaseUrl;
    public IReadOnlyList<OtlpSpan> Spans => [.. spans];

    /// <summary>Whether any metrics export so far names the instrument.</summary>
    public bool HasMetric(string name) => metrics.Any(body => Encoding.UTF8.GetString(body).Contains(name, StringComparison.Ordinal));

    public static async Task<OtlpCollector> StartAsync()
    {
        var collector = new OtlpCollector();
        collector.server = await StubHttpServer.StartAsync(collector.ReceiveAsync);
        return collector;
    }

    async Task ReceiveAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        byte[] body = buffer.ToArray();
        if (context.Request.Path == "/v1/traces")
        {
            foreach (OtlpSpan span in ReadSpans(body))
            {
                spans.Enqueue(span);
            }
        }
        else if (context.Request.Path == "/v1/metrics")
        {
            metrics.Enqueue(body);
        }

        context.Response.ContentType = "application/x-protobuf";
    }

    // ExportTraceServiceRequest.resource_spans(1) → ResourceSpans.scope_spans(2) → ScopeSpans.scope(1).name(1), .spans(2)
    static IEnumerable<OtlpSpan> ReadSpans(byte[] request) =>
        from resource in Fields(request, 1)
        from scopeSpans in Fields(resource, 2)
        let scope = Fields(scopeSpans, 1).Select(s => Text(Fields(s, 1).FirstOrDefault())).FirstOrDefault() ?? ""
        from span in Fields(scopeSpans, 2)
        select ReadSpan(scope, span);

    // Span: trace_id(1) span_id(2) parent_span_id(4) name(5) kind(6) attributes(9: KeyValue key(1) value(2: AnyValue))
    static OtlpSpan ReadSpan(string scope, byte[] span)
    {
        var attributes = new Dictionary<string, string>();
        foreach (byte[] pair in Fields(span, 9))
        {
            attributes[Text(Fields(pair, 1).FirstOrDefault())] = AnyValue(Fields(pair, 2).FirstOrDefault() ?? []);
        }

        int kind = (int)Varints(span, 6).FirstOrDefault();
        return new OtlpSpan(scope, Hex(Fields(span, 1).FirstOrDefault()), Hex(Fields(span, 2).FirstOrDefault()), Hex(Fields(span, 4).FirstOrDefault()),
            Text(Fields(span, 5).FirstOrDefault()), kind, attributes);
    }

    // AnyValue: string(1) bool(2) int(3) double(4) array(5: values(1)); other kinds are not needed here.
    static string AnyValue(byte[] value)
    {
        foreach ((int field, int wire, ulong number, byte[] bytes) in Read(value))
        {
            switch (field, wire)
            {
                case (1, 2): return Encoding.UTF8.GetString(bytes);
                case (2, 0): return number != 0 ? "true" : "false";
                case (3, 0): return ((long)number).ToString(System.Globalization.CultureInfo.InvariantCulture);
                case (4, 1): return BitConverter.Int64BitsToDouble((long)number).ToString(System.Globalization.CultureInfo.InvariantCulture);
                case (5, 2): return string.Join(",", Fields(bytes, 1).Select(AnyValue));
            }
        }

        return "";
    }

    static IEnumerable<byte[]> Fields(byte[] message, int number) =>
        Read(message).Where(f => f.Field == number && f.Wire == 2).Select(f => f.Bytes);

    static IEnumerable<ulong> Varints(byte[] message, int number) =>
        Read(message).Where(f => f.Field == number && f.Wire == 0).Select(f => f.Number);

    /// <summary>The protobuf wire format: (field number, wire type, varint or fixed value, length-delimited bytes).</summary>
    static List<(int Field, int Wire, ulong Number, byte[] Bytes)> Read(byte[] message)
    {
        var fields = new List<(int, int, ulong, byte[])>();
        int at = 0;
        while (at < message.Length)
        {
            ulong key = Varint(message, ref at);
            int wire = (int)(key & 7);
            int field = (int)(key >> 3);
            switch (wire)
            {
                case 0:
                    fields.Add((field, wire, Varint(message, ref at), []));
                    break;
                case 1:
                    fields.Add((field, wire, BitConverter.ToUInt64(message, at), []));
                    at += 8;
                    break;
                case 2:
                    int length = (int)Varint(message, ref at);
                    fields.Add((field, wire, 0, message[at..(at + length)]));
                    at += length;
                    break;
                case 5:
                    fields.Add((field, wire, BitConverter.ToUInt32(message, at), []));
                    at += 4;
                    break;
                default:
                    throw new InvalidDataException($"unexpected protobuf wire type {wire}");
            }
        }

        return fields;
    }

    static ulong Varint(byte[] message, ref int at)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = message[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    static string Text(byte[]? bytes) => bytes is null ? "" : Encoding.UTF8.GetString(bytes);

    static string Hex(byte[]? bytes) => bytes is null ? "" : Convert.ToHexStringLower(bytes);

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
