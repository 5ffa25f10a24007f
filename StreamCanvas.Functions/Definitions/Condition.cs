using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace StreamCanvas.Definitions;

/// <summary>
/// A declarative test over the run state (input.*, steps.&lt;id&gt;.output.*, steps.&lt;id&gt;.status).
/// Either a comparison on <see cref="Path"/> or a combination (all / any / not) of conditions.
/// Used by condition steps and by the definition of done, so both read the same way.
/// </summary>
public sealed record Condition
{
    public string? Path { get; init; }

    [JsonPropertyName("equals")]
    public JsonNode? EqualTo { get; init; }

    [JsonPropertyName("notEquals")]
    public JsonNode? NotEqualTo { get; init; }

    public double? AtLeast { get; init; }
    public double? AtMost { get; init; }
    public IReadOnlyList<JsonNode?>? In { get; init; }
    public bool? Exists { get; init; }
    public string? Contains { get; init; }
    public string? Matches { get; init; }
    public int? MinLength { get; init; }
    public int? MaxLength { get; init; }

    public IReadOnlyList<Condition>? All { get; init; }
    public IReadOnlyList<Condition>? Any { get; init; }
    public Condition? Not { get; init; }

    /// <summary>Every state path this condition reads, for load-time reference checks.</summary>
    public IEnumerable<string> Paths()
    {
        if (Path is not null)
        {
            yield return Path;
        }

        IEnumerable<Condition> children = (All ?? []).Concat(Any ?? []).Concat(Not is null ? [] : [Not]);
        foreach (string path in children.SelectMany(c => c.Paths()))
        {
            yield return path;
        }
    }
}
