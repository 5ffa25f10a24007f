using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace StreamCanvas.Definitions;

/// <summary>
/// Named branches, each a list of steps, run concurrently in the same run; the step succeeds once its
/// <see cref="Join"/> is met. Its output is { "&lt;branch&gt;": the output of the branch's last step }.
/// </summary>
public sealed record ParallelStep : WorkflowStep
{
    public required IReadOnlyList<ParallelBranch> Branches { get; init; }

    public JoinPolicy Join { get; init; } = JoinPolicy.All;
}

/// <summary>One branch: its own steps (transitions stay inside the branch) and what its failure means.</summary>
public sealed record ParallelBranch
{
    public required string Name { get; init; }
    public required IReadOnlyList<WorkflowStep> Steps { get; init; }
    public BranchOnFailure? OnFailure { get; init; }
}

/// <summary>
/// What a failed branch counts as: failed with its own reason (the default), failed with <see cref="Fail"/>, or
/// done with <see cref="ContinueWith"/> as its output.
/// </summary>
public sealed record BranchOnFailure
{
    public string? Fail { get; init; }
    public JsonNode? ContinueWith { get; init; }
}

/// <summary>"all" (every branch), "any" (the first to succeed), or { "atLeast": n }.</summary>
[JsonConverter(typeof(JoinPolicyConverter))]
public sealed record JoinPolicy(string Mode, int Count = 0)
{
    public const string AllMode = "all";
    public const string AnyMode = "any";
    public const string AtLeastMode = "atLeast";

    public static JoinPolicy All { get; } = new(AllMode);

    /// <summary>How many branches must succeed out of <paramref name="branches"/>.</summary>
    public int Needed(int branches) => Mode switch
    {
        AnyMode => 1,
        AtLeastMode => Count,
        _ => branches,
    };
}

sealed class JoinPolicyConverter : JsonConverter<JoinPolicy>
{
    public override JoinPolicy Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new JoinPolicy(reader.GetString()!);
        }

        JsonObject? obj = JsonNode.Parse(ref reader)?.AsObject();
        int count = obj?[JoinPolicy.AtLeastMode]?.GetValue<int>() ?? throw new JsonException("join needs 'all', 'any' or { \"atLeast\": n }");
        return new JoinPolicy(JoinPolicy.AtLeastMode, count);
    }

    public override void Write(Utf8JsonWriter writer, JoinPolicy value, JsonSerializerOptions options)
    {
        if (value.Mode == JoinPolicy.AtLeastMode)
        {
            writer.WriteStartObject();
            writer.WriteNumber(JoinPolicy.AtLeastMode, value.Count);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteStringValue(value.Mode);
        }
    }
}
