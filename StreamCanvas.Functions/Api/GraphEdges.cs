using System.Text.Json.Nodes;
using StreamCanvas.Definitions;
using static System.FormattableString;

namespace StreamCanvas.Api;

/// <summary>Where a step can go next, as the interpreter decides it, for drawing (<see cref="WorkflowGraph"/>).</summary>
public static class GraphEdges
{
    public const string Next = "next";
    public const string Condition = "condition";
    public const string Else = "else";
    public const string OnFailure = "on-failure";
    public const string OnReject = "on-reject";
    public const string RequestChanges = "request-changes";

    public static IReadOnlyList<GraphEdge> Leaving(IReadOnlyList<WorkflowStep> list, WorkflowStep step)
    {
        var edges = new List<GraphEdge>();
        if (step is ConditionStep condition)
        {
            // A condition step never falls through to the following step: one of its branches or else is taken.
            edges.AddRange(condition.Branches.Select(b => new GraphEdge(b.Goto, Condition, Describe(b.When))));
            edges.Add(new GraphEdge(condition.Else, Else, "else"));
        }
        else
        {
            edges.Add(new GraphEdge(StepLists.NextAfter(list, step) ?? StepIds.End, Next));
        }

        if (step is ApprovalStep approval)
        {
            AddIf(edges, approval.OnReject, OnReject, "rejected");
            AddIf(edges, approval.RequestChanges?.Goto, RequestChanges, "changes requested");
        }

        AddIf(edges, step.OnFailure?.Goto, OnFailure, "on failure");
        return edges;
    }

    static void AddIf(List<GraphEdge> edges, string? to, string kind, string label)
    {
        if (to is not null)
        {
            edges.Add(new GraphEdge(to, kind, label));
        }
    }

    /// <summary>A short label for a condition: its path and test, or how its parts combine.</summary>
    public static string Describe(Condition when)
    {
        if (when.All is { } all)
        {
            return string.Join(" and ", all.Select(Describe));
        }

        if (when.Any is { } any)
        {
            return string.Join(" or ", any.Select(Describe));
        }

        if (when.Not is { } not)
        {
            return $"not ({Describe(not)})";
        }

        string test = when switch
        {
            { EqualTo: { } value } => $"= {Json(value)}",
            { NotEqualTo: { } value } => $"≠ {Json(value)}",
            { AtLeast: { } min, AtMost: { } max } => Invariant($"in {min}..{max}"),
            { AtLeast: { } min } => Invariant($"≥ {min}"),
            { AtMost: { } max } => Invariant($"≤ {max}"),
            { In: { } values } => $"in [{string.Join(", ", values.Select(Json))}]",
            { Exists: { } exists } => exists ? "exists" : "missing",
            { Contains: { } text } => $"contains \"{text}\"",
            { Matches: { } pattern } => $"matches /{pattern}/",
            { MinLength: { } length } => Invariant($"length ≥ {length}"),
            { MaxLength: { } length } => Invariant($"length ≤ {length}"),
            _ => "",
        };
        return $"{when.Path} {test}".Trim();
    }

    static string Json(JsonNode? value) => value?.ToJsonString() ?? "null";
}
