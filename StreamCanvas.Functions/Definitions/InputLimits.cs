using System.Text.Json.Nodes;

namespace StreamCanvas.Definitions;

/// <summary>
/// The shape limits a run input must keep, checked once where a start comes in (HTTP or queue), so nothing
/// downstream meets what it cannot carry. The run request wraps the input a few levels down and System.Text.Json
/// refuses to write more than 64 levels, so an input nested up to the parser's own 64 levels would be accepted and
/// then fail to schedule (a 500): half that depth leaves room for every wrapper.
/// </summary>
public static class InputLimits
{
    public const int MaxDepth = 32;

    /// <summary>How deep <paramref name="node"/> nests (a scalar is 0, {} or [] is 1), counting no further than <paramref name="stopAfter"/>.</summary>
    public static int DepthOf(JsonNode? node, int stopAfter = MaxDepth + 1)
    {
        int deepest = 0;
        var pending = new Stack<(JsonNode Node, int Depth)>();
        if (node is JsonObject or JsonArray)
        {
            pending.Push((node, 1));
        }

        while (pending.Count > 0)
        {
            (JsonNode current, int depth) = pending.Pop();
            deepest = Math.Max(deepest, depth);
            if (deepest >= stopAfter)
            {
                return deepest;
            }

            IEnumerable<JsonNode?> children = current is JsonObject obj ? obj.Select(p => p.Value) : current.AsArray();
            foreach (JsonNode? child in children)
            {
                if (child is JsonObject or JsonArray)
                {
                    pending.Push((child, depth + 1));
                }
            }
        }

        return deepest;
    }

    /// <summary>The problem with <paramref name="input"/>'s shape, if any, as a field error at <paramref name="field"/>.</summary>
    public static FieldError? Check(JsonNode? input, string field) =>
        DepthOf(input) > MaxDepth
            ? new FieldError(field == "" ? "/" : field, $"nested more than {MaxDepth} levels deep (limit: MaxDepth {MaxDepth})")
            : null;
}
