using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace StreamCanvas.Definitions;

/// <summary>
/// {{path}} placeholders in prompts, tool paths and tool bodies. Rendering is pure, so the orchestrator can
/// render on replay and get the same text.
/// </summary>
public static partial class Template
{
    [GeneratedRegex(@"\{\{\s*([^{}]*?)\s*\}\}")]
    private static partial Regex Placeholder();

    /// <summary>The paths a template reads, or the syntax errors it has.</summary>
    public static (IReadOnlyList<string> Paths, IReadOnlyList<string> Errors) Parse(string template)
    {
        var paths = new List<string>();
        var errors = new List<string>();
        string rest = Placeholder().Replace(template, match =>
        {
            string path = match.Groups[1].Value;
            if (path.Length == 0)
            {
                errors.Add("empty placeholder '{{}}'");
            }
            else
            {
                paths.Add(path);
            }

            return string.Empty;
        });

        if (rest.Contains("{{", StringComparison.Ordinal) || rest.Contains("}}", StringComparison.Ordinal))
        {
            errors.Add("unbalanced '{{' or '}}'");
        }

        return (paths, errors);
    }

    /// <summary>Every template string inside a JSON body template.</summary>
    public static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue(out string? text) => [text],
        JsonObject obj => obj.SelectMany(p => Strings(p.Value)),
        JsonArray array => array.SelectMany(Strings),
        _ => [],
    };

    /// <summary>Replaces placeholders with the state's values: strings as they are, other values as JSON.</summary>
    public static string Render(string template, JsonNode state, Func<string, string>? encode = null) =>
        Placeholder().Replace(template, match =>
        {
            string text = ToText(StatePath.Resolve(state, match.Groups[1].Value));
            return encode is null ? text : encode(text);
        });

    /// <summary>
    /// Renders a JSON body template. A string that is exactly one placeholder takes the referenced value with
    /// its JSON type (object, number...); other strings are rendered as text.
    /// </summary>
    public static JsonNode? RenderJson(JsonNode? template, JsonNode state)
    {
        switch (template)
        {
            case JsonValue value when value.TryGetValue(out string? text):
                Match whole = Placeholder().Match(text);
                return whole.Success && whole.Length == text.Length
                    ? StatePath.Resolve(state, whole.Groups[1].Value)?.DeepClone()
                    : JsonValue.Create(Render(text, state));
            case JsonObject obj:
                var rendered = new JsonObject();
                foreach ((string key, JsonNode? child) in obj)
                {
                    rendered[key] = RenderJson(child, state);
                }

                return rendered;
            case JsonArray array:
                return new JsonArray(array.Select(item => RenderJson(item, state)).ToArray());
            default:
                return template?.DeepClone();
        }
    }

    public static string ToText(JsonNode? node) => node switch
    {
        null => string.Empty,
        JsonValue value when value.TryGetValue(out string? text) => text,
        _ => node.ToJsonString(),
    };
}
