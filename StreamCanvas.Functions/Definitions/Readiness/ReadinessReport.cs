using System.Text.Json.Serialization;

namespace StreamCanvas.Definitions.Readiness;

/// <summary>How a trait (or a whole workflow) stands: pass, warn (works, but a gap to close) or fail.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReadinessOutcome>))]
public enum ReadinessOutcome
{
    [JsonStringEnumMemberName("pass")]
    Pass,

    [JsonStringEnumMemberName("warn")]
    Warn,

    [JsonStringEnumMemberName("fail")]
    Fail,
}

/// <summary>The six traits that make a workflow production-ready.</summary>
public static class ReadinessTraits
{
    public const string Trigger = "trigger";
    public const string DefinitionOfDone = "definitionOfDone";
    public const string ToolAccess = "toolAccess";
    public const string ExceptionHandling = "exceptionHandling";
    public const string HumanOversight = "humanOversight";
    public const string Ownership = "ownership";

    public static IReadOnlyList<string> All { get; } = [Trigger, DefinitionOfDone, ToolAccess, ExceptionHandling, HumanOversight, Ownership];
}

/// <summary>One observation about a trait: its outcome, why, and the JSON Pointer (into the definition) of what to fix.</summary>
public sealed record ReadinessFinding(ReadinessOutcome Outcome, string Reason, string Pointer);

/// <summary>A trait's outcome is its worst finding's; that finding's reason and pointer lead.</summary>
public sealed record TraitReadiness(string Trait, ReadinessOutcome Outcome, string Reason, string Pointer, bool Waived, IReadOnlyList<ReadinessFinding> Findings)
{
    public static TraitReadiness From(string trait, IReadOnlyList<ReadinessFinding> findings, bool waived = false)
    {
        ReadinessFinding lead = findings.OrderByDescending(f => f.Outcome).First();
        return new TraitReadiness(trait, lead.Outcome, lead.Reason, lead.Pointer, waived, findings);
    }
}

/// <summary>The static readiness of one deployed definition.</summary>
public sealed record WorkflowReadiness(string Workflow, string Version, string ContentHash, ReadinessOutcome Outcome, IReadOnlyList<TraitReadiness> Traits);
