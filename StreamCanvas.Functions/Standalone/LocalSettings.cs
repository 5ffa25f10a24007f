using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace StreamCanvas.Standalone;

/// <summary>
/// Reads the "Values" of local.settings.json, the file `func start` reads, so both hosts run on one settings file.
/// Keys use the Functions convention (Model__Provider) and become configuration keys (Model:Provider).
/// </summary>
public static class LocalSettings
{
    public const string FileName = "local.settings.json";

    public static IConfigurationBuilder AddLocalSettings(this IConfigurationBuilder builder, string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return builder;
        }

        JsonObject? values = JsonNode.Parse(File.ReadAllText(path), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })?["Values"] as JsonObject;
        var pairs = (values ?? []).ToDictionary(p => p.Key.Replace("__", ":", StringComparison.Ordinal), p => p.Value?.ToString());
        return builder.AddInMemoryCollection(pairs);
    }
}
