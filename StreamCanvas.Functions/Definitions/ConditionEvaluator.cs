using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace StreamCanvas.Definitions;

/// <summary>Evaluates a <see cref="Condition"/> against the run state. Pure, so it is safe in the orchestrator.</summary>
public static class ConditionEvaluator
{
    public static bool Evaluate(Condition condition, JsonNode state)
    {
        if (condition.All is not null)
        {
            return condition.All.All(c => Evaluate(c, state));
        }

        if (condition.Any is not null)
        {
            return condition.Any.Any(c => Evaluate(c, state));
        }

        if (condition.Not is not null)
        {
            return !Evaluate(condition.Not, state);
        }

        JsonNode? actual = StatePath.Resolve(state, condition.Path!);
        return Test(condition, actual);
    }

    static bool Test(Condition c, JsonNode? actual)
    {
        if (c.Exists is bool exists && exists != (actual is not null))
        {
            return false;
        }

        if (c.EqualTo is not null && !ValuesEqual(actual, c.EqualTo))
        {
            return false;
        }

        if (c.NotEqualTo is not null && ValuesEqual(actual, c.NotEqualTo))
        {
            return false;
        }

        if (c.AtLeast is double min && !(AsNumber(actual) >= min))
        {
            return false;
        }

        if (c.AtMost is double max && !(AsNumber(actual) <= max))
        {
            return false;
        }

        if (c.In is not null && !c.In.Any(candidate => ValuesEqual(actual, candidate)))
        {
            return false;
        }

        string? text = actual is null ? null : Template.ToText(actual);
        if (c.Contains is not null && !(text?.Contains(c.Contains, StringComparison.OrdinalIgnoreCase) ?? false))
        {
            return false;
        }

        // Conditions run inside the orchestrator: a non-backtracking regex takes time linear in the text and needs
        // no wall-clock timeout, so a replay always reaches the answer the first execution did, whatever the load.
        if (c.Matches is not null && !(text is not null && ConditionRegex.IsMatch(text, c.Matches)))
        {
            return false;
        }

        int? length = actual switch { JsonArray array => array.Count, null => null, _ => text!.Length };
        if (c.MinLength is int minLength && !(length >= minLength))
        {
            return false;
        }

        return c.MaxLength is not int maxLength || length <= maxLength;
    }

    /// <summary>JSON equality where 200 and 200.0 are the same number.</summary>
    public static bool ValuesEqual(JsonNode? a, JsonNode? b)
    {
        if (AsNumber(a) is double x && AsNumber(b) is double y)
        {
            return x == y;
        }

        return JsonNode.DeepEquals(a, b);
    }

    static double? AsNumber(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            ? double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture)
            : null;
}
