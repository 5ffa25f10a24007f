namespace StreamCanvas.Definitions;

/// <summary>
/// A workflow's steps form nested lists: the top level, each parallel branch and each map step's body. Transitions
/// (next, goto) stay within one list; step ids are unique across all of them.
/// </summary>
public static class StepLists
{
    /// <summary>The step after <paramref name="step"/> in its list, or null at the end of the list.</summary>
    public static string? NextAfter(IReadOnlyList<WorkflowStep> steps, WorkflowStep step)
    {
        if (step.Next is not null)
        {
            return step.Next == StepIds.End ? null : step.Next;
        }

        int index = steps.ToList().IndexOf(step);
        return index >= 0 && index + 1 < steps.Count ? steps[index + 1].Id : null;
    }

    public static WorkflowStep? Find(IReadOnlyList<WorkflowStep> steps, string id) => steps.FirstOrDefault(s => s.Id == id);

    /// <summary>The lists nested directly in a step: its branches, or its map body.</summary>
    public static IEnumerable<IReadOnlyList<WorkflowStep>> Children(WorkflowStep step) => step switch
    {
        ParallelStep parallel => parallel.Branches.Select(b => b.Steps),
        MapStep map => [map.Steps],
        _ => [],
    };

    /// <summary>Every step at any depth with its JSON Pointer in the definition ("/steps/2/branches/0/steps/1").</summary>
    public static IEnumerable<(WorkflowStep Step, string Pointer)> WithPointers(IReadOnlyList<WorkflowStep> steps, string at = "/steps") =>
        steps.SelectMany((step, i) => Nested(step, $"{at}/{i}").SelectMany(n => WithPointers(n.Steps, n.At)).Prepend((step, $"{at}/{i}")));

    static IEnumerable<(IReadOnlyList<WorkflowStep> Steps, string At)> Nested(WorkflowStep step, string at) => step switch
    {
        ParallelStep parallel => parallel.Branches.Select((b, i) => (b.Steps, $"{at}/branches/{i}/steps")),
        MapStep map => [(map.Steps, $"{at}/steps")],
        _ => [],
    };

    /// <summary>Every step at any depth, parents before their children.</summary>
    public static IEnumerable<WorkflowStep> Flatten(IEnumerable<WorkflowStep> steps) =>
        steps.SelectMany(s => Children(s).SelectMany(Flatten).Prepend(s));

    /// <summary>
    /// Steps whose outputs a list can see after it ran: its own and, recursively, those inside its parallel branches
    /// (a branch's step outputs join the run when the parallel step finishes), but not inside map bodies (per item).
    /// </summary>
    public static IEnumerable<string> Visible(IEnumerable<WorkflowStep> steps) =>
        steps.SelectMany(s => s is ParallelStep parallel
            ? parallel.Branches.SelectMany(b => Visible(b.Steps)).Prepend(s.Id)
            : [s.Id]);
}
