using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace StreamCanvas.Testing;

/// <summary>A real HTTP server on a loopback port whose behaviour the test scripts.</summary>
public sealed class StubHttpServer : IAsyncDisposable
{
    readonly WebApplication app;

    StubHttpServer(WebApplication app)
    {
        this.app = app;
        BaseUrl = app.Urls.Single();
    }

    public string BaseUrl { get; }

    public static async Task<StubHttpServer> StartAsync(Func<HttpContext, Task> handle)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        app.Run(context => handle(context));
        await app.StartAsync();
        // Port 0 binds whatever the OS hands out, so no other process can take the port in between.
        return new StubHttpServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
