using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using StreamCanvas.Definitions;

namespace StreamCanvas.Api;

/// <summary>
/// In Development the app hands out its operator key (the dashboard's config.json) and decision tokens (the
/// pending list), so it answers only requests addressed to the loopback host: a page from another site that
/// rebinds its DNS name to 127.0.0.1 still sends its own name in the Host header, and is refused.
/// </summary>
public static class LocalRequests
{
    public static bool IsLoopbackHost(HostString host)
    {
        string name = host.Host;
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase) ||
               name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase) ||
               (IPAddress.TryParse(name.Trim('[', ']'), out IPAddress? address) && IPAddress.IsLoopback(address));
    }

    /// <summary>The 400 for a Development request addressed to another host; null when it may be answered.</summary>
    public static IResult? Refuse(HttpRequest request, IHostEnvironment environment) =>
        environment.IsDevelopment() && !IsLoopbackHost(request.Host)
            ? Problems.BadRequest($"in Development this app answers only requests addressed to localhost, not '{request.Host.Host}'",
                new FieldError("Host", "must be localhost, 127.0.0.1 or [::1] in Development"))
            : null;
}
