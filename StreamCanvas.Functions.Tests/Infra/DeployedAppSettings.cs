using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace StreamCanvas.Tests.Infra;

/// <summary>
/// The app settings infra/ deploys, read from the compiled ARM template: the Microsoft.Web/sites/config
/// "appsettings" resource merges variables, whose object keys are the setting names and whose format() strings
/// are the key patterns of per-deployment maps (Tools__Connections__{0}__BaseUrl).
/// </summary>
public sealed partial class DeployedAppSettings
{
    const string KeyVaultReference = "@Microsoft.KeyVault(SecretUri=";

    readonly string[] keyVaultReferenceFunctions;

    DeployedAppSettings(IReadOnlyDictionary<string, string> values, IReadOnlySet<string> patterns, string[] keyVaultReferenceFunctions)
    {
        Values = values;
        Patterns = patterns;
        this.keyVaultReferenceFunctions = keyVaultReferenceFunctions;
    }

    /// <summary>Settings by name, with their template expressions as values.</summary>
    public IReadOnlyDictionary<string, string> Values { get; }

    /// <summary>Key patterns of map entries, {0} for the entry name.</summary>
    public IReadOnlySet<string> Patterns { get; }

    /// <summary>Whether the setting's value is a Key Vault reference, written out or built by a template function.</summary>
    public bool IsKeyVaultReference(string key) =>
        Values.TryGetValue(key, out string? value) &&
        (value.Contains(KeyVaultReference, StringComparison.Ordinal) || keyVaultReferenceFunctions.Any(f => value.Contains(f + "(", StringComparison.Ordinal)));

    public static DeployedAppSettings FromTemplate(JsonObject template)
    {
        (JsonObject scope, JsonObject resource) = FindAppSettingsResource(template)
            ?? throw new InvalidOperationException("no Microsoft.Web/sites/config 'appsettings' resource in the template");

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var patterns = new HashSet<string>(StringComparer.Ordinal);
        IEnumerable<JsonNode?> parts = resource["properties"] switch
        {
            JsonObject literal => [literal],
            JsonValue expression => VariableReference().Matches(expression.GetValue<string>()).Select(m => scope["variables"]?[m.Groups[1].Value]),
            _ => [],
        };
        foreach (JsonNode? part in parts)
        {
            if (part is JsonObject settings)
            {
                foreach ((string name, JsonNode? value) in settings)
                {
                    values[name] = value?.ToString() ?? "";
                }
            }
            else if (part is JsonValue expression)
            {
                patterns.UnionWith(FormatString().Matches(expression.GetValue<string>()).Select(m => m.Groups[1].Value).Where(f => f.Contains("{0}", StringComparison.Ordinal)));
            }
        }

        // Bicep user-defined functions compile to namespaced template functions: __bicep.secretReference.
        string[] referenceFunctions = [.. (scope["functions"]?.AsArray() ?? [])
            .SelectMany(ns => (ns?["members"]?.AsObject() ?? [])
                .Where(f => f.Value?["output"]?["value"]?.ToString().Contains(KeyVaultReference, StringComparison.Ordinal) == true)
                .Select(f => $"{ns?["namespace"]}.{f.Key}"))];

        return new DeployedAppSettings(values, patterns, referenceFunctions);
    }

    /// <summary>The template (main or a module's) that holds the appsettings resource, and the resource.</summary>
    static (JsonObject Scope, JsonObject Resource)? FindAppSettingsResource(JsonObject template)
    {
        IEnumerable<JsonObject> resources = template["resources"] switch
        {
            JsonObject bySymbolicName => bySymbolicName.Select(r => r.Value).OfType<JsonObject>(),
            JsonArray list => list.OfType<JsonObject>(),
            _ => [],
        };
        foreach (JsonObject resource in resources)
        {
            if (resource["type"]?.GetValue<string>() == "Microsoft.Web/sites/config" &&
                resource["name"]?.GetValue<string>().Contains("appsettings", StringComparison.Ordinal) == true)
            {
                return (template, resource);
            }

            if (resource["properties"]?["template"] is JsonObject module && FindAppSettingsResource(module) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    [GeneratedRegex(@"variables\('([^']+)'\)")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"format\('([^']*)'")]
    private static partial Regex FormatString();
}
