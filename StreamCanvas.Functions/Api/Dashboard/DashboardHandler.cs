using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace StreamCanvas.Api.Dashboard;

/// <summary>
/// GET /api/dashboard and /api/dashboard/{file}: the ops page, its script and the vendored Chart.js, embedded in
/// the assembly so both hosts serve the same bytes whatever their content root. The page is anonymous; the data
/// it shows comes from the keyed API with the key the user enters (in Development, the one config.json offers).
/// </summary>
public sealed class DashboardHandler(IHostEnvironment environment)
{
    public const string ConfigFile = "config.json";
    const string ResourcePrefix = "StreamCanvas.Api.Dashboard.";

    static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
    };

    public IResult Page() => Asset("index.html");

    /// <summary>A page asset, or <see cref="ConfigFile"/>: whether this is Development and, only then, the local operator key.</summary>
    public IResult Asset(string file, string? developmentKey = null)
    {
        if (file == ConfigFile)
        {
            bool development = environment.IsDevelopment();
            return Results.Json(new DashboardConfig(development, development ? developmentKey : null));
        }

        Stream? content = ContentTypes.TryGetValue(Path.GetExtension(file), out string? type)
            ? Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourcePrefix + file)
            : null;
        return content is null ? Results.NotFound() : Results.Stream(content, type);
    }
}

/// <summary>What the page needs before it can call the API.</summary>
public sealed record DashboardConfig(bool Development, string? OperatorKey);
