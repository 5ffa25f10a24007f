using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace StreamCanvas.Definitions;

/// <summary>
/// A dotted path into the run state: input.customer.id, steps.draft.output.title, steps.lookup.status,
/// with [n] for array items. The run state is { "input": ..., "steps": { "&lt;id&gt;": { "output": ..., ... } } }.
/// </summary>
public static partial class StatePath
{
    public const string InputRoot = "input";
    public const string StepsRoot = "steps";

    /// <summary>Inside a map step's body: the current item, and its position in the items array.</summary>
    public const string ItemRoot = "item";
    public const string IndexRoot = "index";

    /// <summary>What a step entry exposes; agent steps add how many turns and tool calls they took.</summary>
    public static readonly IReadOnlySet<string> StepFields = new HashSet<string> { "output", "status", "attempts", "model", "turns", "toolCalls" };

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_-]*(\[\d+\])*(\.[A-Za-z_][A-Za-z0-9_-]*(\[\d+\])*)*$")]
    private static partial Regex Syntax();

    [GeneratedRegex(@"([^.\[\]]+)|\[(\d+)\]")]
    private static partial Regex Segment();

    public static bool IsWellFormed(string path) => Syntax().IsMatch(path);

    /// <summary>Checks the root and, for steps paths, the field; returns an error message or null.</summary>
    public static string? Describe(string path, IReadOnlySet<string> stepIds, bool inMapBody = false)
    {
        if (!IsWellFormed(path))
        {
            return $"'{path}' is not a valid path (expected input.<field> or steps.<id>.output.<field>)";
        }

        string[] parts = path.Split('.');
        string root = parts[0];
        if (root == InputRoot)
        {
            return null;
        }

        if (root is ItemRoot or IndexRoot)
        {
            return inMapBody ? null : $"'{path}' reads '{root}', which exists only inside a map step's steps";
        }

        if (root != StepsRoot || parts.Length < 3)
        {
            return $"'{path}' must start with 'input.' or 'steps.<id>.output'";
        }

        string stepId = parts[1];
        if (!stepIds.Contains(stepId))
        {
            return $"'{path}' refers to unknown step '{stepId}'";
        }

        string field = parts[2].Split('[')[0];
        return StepFields.Contains(field)
            ? null
            : $"'{path}' reads '{field}' of step '{stepId}'; a step exposes {string.Join(", ", StepFields)}";
    }

    /// <summary>Resolves a path against the state; null when any part is missing.</summary>
    public static JsonNode? Resolve(JsonNode? root, string path)
    {
        JsonNode? current = root;
        foreach (Match match in Segment().Matches(path))
        {
            if (current is null)
            {
                return null;
            }

            if (match.Groups[2].Success)
            {
                int index = int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
                current = current is JsonArray array && index < array.Count ? array[index] : null;
            }
            else
            {
                current = current is JsonObject obj && obj.TryGetPropertyValue(match.Groups[1].Value, out JsonNode? next)
                    ? next
                    : null;
            }
        }

        return current;
    }
}
