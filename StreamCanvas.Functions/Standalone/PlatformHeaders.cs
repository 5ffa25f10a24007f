using Microsoft.AspNetCore.Http;

namespace StreamCanvas.Standalone;

/// <summary>
/// The standalone host has no App Service in front of it, so the headers only App Service Authentication may set
/// (the signed-in principal, its tokens) are anyone's to forge here: every request loses them before a route sees
/// it. Nothing on this host reads them anyway; this keeps it so for code added later.
/// </summary>
public static class PlatformHeaders
{
    static readonly string[] Prefixes = ["X-MS-CLIENT-PRINCIPAL", "X-MS-TOKEN-"];

    public static void Strip(HttpRequest request)
    {
        foreach (string name in request.Headers.Keys.Where(IsPlatforms).ToList())
        {
            request.Headers.Remove(name);
        }
    }

    static bool IsPlatforms(string header) => Prefixes.Any(prefix => header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
}
