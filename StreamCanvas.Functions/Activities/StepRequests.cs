using System.Text.Json.Nodes;

namespace StreamCanvas.Activities;

/// <summary>Which run, step and attempt an activity call belongs to (for logs, traces and errors).</summary>
public sealed record StepIdentity(string InstanceId, string Workflow, string StepId, int Attempt);

/// <summary>An llm step with its templates already rendered by the orchestrator.</summary>
public sealed record LlmStepRequest(
    StepIdentity Step,
    string Prompt,
    string? System,
    string? Model,
    double? Temperature,
    int? MaxTokens,
    string Output,
    JsonObject? OutputSchema)
{
    /// <summary>What the validator said about the previous attempt's output, for the model to fix.</summary>
    public string? Feedback { get; init; }

    public Definitions.Rubric? Rubric { get; init; }

    /// <summary>The workflow's tokens-per-day budget, enforced across all runs and hosts.</summary>
    public int? DailyTokenBudget { get; init; }
}

/// <summary>A tool step with its path and body already rendered by the orchestrator.</summary>
public sealed record ToolStepRequest(
    StepIdentity Step,
    string Connection,
    string Method,
    string Path,
    JsonNode? Body,
    IReadOnlyList<int> ExpectStatus,
    int? TimeoutSeconds);
