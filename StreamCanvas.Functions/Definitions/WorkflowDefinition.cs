using System.Text.Json.Nodes;

namespace StreamCanvas.Definitions;

/// <summary>A declarative workflow as authored in workflows/*.json.</summary>
public sealed record WorkflowDefinition
{
    public required string Name { get; init; }
    public required string Version { get; init; }
    public required string Description { get; init; }
    public required WorkflowOwner Owner { get; init; }

    /// <summary>JSON Schema every run's input must satisfy.</summary>
    public required JsonObject InputSchema { get; init; }

    public required IReadOnlyList<WorkflowStep> Steps { get; init; }

    /// <summary>Conditions on the final state that decide whether a completed run succeeded.</summary>
    public IReadOnlyList<DoneCriterion> DefinitionOfDone { get; init; } = [];

    /// <summary>Token limits for a run and for all runs of this workflow in a UTC day.</summary>
    public WorkflowBudgets? Budgets { get; init; }

    /// <summary>Readiness traits the owner knowingly waives, each with the reason.</summary>
    public ReadinessWaivers? Waivers { get; init; }

    /// <summary>Runs that start by themselves on a cron, with a fixed input (docs/schedules.md).</summary>
    public WorkflowSchedule? Schedule { get; init; }

    /// <summary>How the workflow describes itself as a tool (to MCP clients and to agents): what it does, and whose it is.</summary>
    public string ToolDescription() => $"{Description.TrimEnd()} Owner: {Owner.Team} ({Owner.Contact}).";

    /// <summary>The input schema as a tool's argument schema: a run's input is always an object.</summary>
    public JsonObject ToolInputSchema()
    {
        JsonObject schema = InputSchema.DeepClone().AsObject();
        schema["type"] = "object";
        return schema;
    }

    public WorkflowStep? FindStep(string id) => Steps.FirstOrDefault(s => s.Id == id);

    /// <summary>A step at any depth (inside parallel branches and map steps too).</summary>
    public WorkflowStep? FindStepAnywhere(string id) => StepLists.Flatten(Steps).FirstOrDefault(s => s.Id == id);

    /// <summary>
    /// The approval step a gate belongs to: an approval step at any depth, or the gate of an agent's tool
    /// (<see cref="AgentStep.GateStepId"/>, "agent.tool").
    /// </summary>
    public ApprovalStep? FindApprovalStep(string id)
    {
        if (FindStepAnywhere(id) is ApprovalStep approval)
        {
            return approval;
        }

        int dot = id.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && FindStepAnywhere(id[..dot]) is AgentStep agent ? agent.GateStep(id[(dot + 1)..]) : null;
    }

    /// <summary>The step a run continues with after <paramref name="step"/> succeeds, or null at the end.</summary>
    public string? NextAfter(WorkflowStep step) => StepLists.NextAfter(Steps, step);
}

/// <summary>Limits on model use: tokens per run, and tokens and cost (in Model:Pricing's currency) per UTC day.</summary>
public sealed record WorkflowBudgets(int? RunTokens = null, int? DailyTokens = null, decimal? DailyCost = null);

/// <summary>Who answers for a workflow in production, and the webhook channel (Approvals:Webhooks) they are alerted on.</summary>
public sealed record WorkflowOwner(string Team, string Contact, string? Alerts = null, DoneRateAlert? DoneRateAlert = null);

/// <summary>
/// Alert the owner when fewer than <paramref name="Below"/> (a share, 0–1) of the runs that finished in the last
/// <paramref name="WindowHours"/> met the definition of done, once at least <paramref name="MinRuns"/> finished.
/// </summary>
public sealed record DoneRateAlert(double Below, int WindowHours = 24, int MinRuns = 10);

/// <summary>Readiness traits waived on purpose; the reason is shown wherever the trait is reported.</summary>
public sealed record ReadinessWaivers(string? HumanOversight = null);

/// <summary>One measurable condition of a workflow's definition of done.</summary>
public sealed record DoneCriterion
{
    public required string Name { get; init; }
    public required Condition Condition { get; init; }
}

public static class StepIds
{
    /// <summary>A transition target that ends the run.</summary>
    public const string End = "end";
}
