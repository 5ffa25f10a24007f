using System.Diagnostics;
using OpenTelemetry.Instrumentation.Http;

namespace StreamCanvas.Telemetry;

/// <summary>
/// Outgoing calls whose URL is itself a secret (chat incoming webhooks keep theirs in the path) are traced with
/// the scheme and host only. The caller marks the request; the HTTP instrumentation redacts it.
/// </summary>
public static class SecretUrls
{
    public static readonly HttpRequestOptionsKey<bool> Key = new("StreamCanvas.SecretUrl");

    public const string Redacted = "REDACTED";

    public static void Mark(HttpRequestMessage request) => request.Options.Set(Key, true);

    /// <summary>How the app traces outgoing HTTP: no gRPC (the sidecar's own traffic), and secret URLs redacted.</summary>
    public static void Configure(HttpClientTraceInstrumentationOptions http)
    {
        http.FilterHttpRequestMessage = request => !BackgroundCallFilter.IsGrpc(request.Content?.Headers.ContentType?.MediaType);
        http.EnrichWithHttpRequestMessage = Redact;
    }

    static void Redact(Activity activity, HttpRequestMessage request)
    {
        if (request.Options.TryGetValue(Key, out bool secret) && secret && request.RequestUri is { } uri)
        {
            activity.SetTag("url.full", $"{uri.Scheme}://{uri.Authority}/{Redacted}");
            activity.SetTag("url.path", "/" + Redacted);
            activity.SetTag("url.query", null);
        }
    }
}
