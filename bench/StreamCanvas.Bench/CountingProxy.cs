using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace StreamCanvas.Bench;

/// <summary>
/// A pass-through HTTP proxy in front of one Azurite service that counts the requests it forwards: every storage
/// transaction the engine makes (queue polls, table writes, blob reads) is one request. Requests are forwarded
/// byte for byte (raw path and query, all headers), so Shared Key signatures stay valid.
/// </summary>
public sealed class CountingProxy : IAsyncDisposable
{
    static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase) { "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Proxy-Connection", "Upgrade" };

    readonly WebApplication app;
    readonly HttpClient upstream;
    readonly string service;
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> byOperation = new(StringComparer.Ordinal);
    long requests;

    CountingProxy(WebApplication app, HttpClient upstream, int port, string service)
    {
        this.app = app;
        this.upstream = upstream;
        this.service = service;
        Port = port;
    }

    public int Port { get; }
    public long Requests => Interlocked.Read(ref requests);

    /// <summary>Requests so far by "service resource operation" (see <see cref="StorageOperation"/>).</summary>
    public IReadOnlyDictionary<string, long> ByOperation => new Dictionary<string, long>(byOperation, StringComparer.Ordinal);

    /// <param name="service">blob, queue or table: how requests are named in the breakdown.</param>
    public static async Task<CountingProxy> StartAsync(int port, int targetPort, string service)
    {
        var upstream = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 256,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        })
        { BaseAddress = new Uri($"http://127.0.0.1:{targetPort}"), Timeout = TimeSpan.FromMinutes(5) };
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.Limits.MaxRequestBodySize = null;
        });
        WebApplication app = builder.Build();
        CountingProxy? self = null;
        app.Run(context => self!.ForwardAsync(context));
        self = new CountingProxy(app, upstream, port, service);
        await app.StartAsync();
        return self;
    }

    async Task ForwardAsync(HttpContext context)
    {
        Interlocked.Increment(ref requests);
        HttpRequest incoming = context.Request;
        byOperation.AddOrUpdate(StorageOperation.Of(service, incoming), 1, (_, count) => count + 1);
        string target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        using var request = new HttpRequestMessage(new HttpMethod(incoming.Method), target);
        if (incoming.ContentLength > 0 || incoming.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(incoming.Body);
        }

        foreach ((string name, Microsoft.Extensions.Primitives.StringValues values) in incoming.Headers)
        {
            if (HopByHop.Contains(name))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using HttpResponseMessage response = await upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach ((string name, IEnumerable<string> values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        upstream.Dispose();
    }
}
