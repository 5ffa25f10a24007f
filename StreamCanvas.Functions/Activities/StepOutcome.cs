using System.Text.Json.Nodes;

namespace StreamCanvas.Activities;

/// <summary>What an activity reports back: an output, or a classified error the interpreter can route on.</summary>
public sealed record StepOutcome
{
    public JsonNode? Output { get; init; }
    public StepError? Error { get; init; }

    /// <summary>HTTP status of a tool call.</summary>
    public int? Status { get; init; }

    public string? Model { get; init; }
    public TokenUsage? Tokens { get; init; }

    /// <summary>What the model call cost at the configured price (Model:Pricing); null when the model has no price.</summary>
    public decimal? Cost { get; init; }

    /// <summary>The share of the workflow's daily token budget used once this call settled (1 when it had no room).</summary>
    public double? DailyBudgetUsed { get; init; }
    public double DurationMilliseconds { get; init; }

    public bool Succeeded => Error is null;

    public static StepOutcome Failure(string reason, string message, bool retryable) =>
        new() { Error = new StepError(reason, message, retryable) };
}

/// <summary>A failure with its reason class (see <see cref="Definitions.FailureReasons"/>) and whether trying again can help.</summary>
public sealed record StepError(string Reason, string Message, bool Retryable)
{
    /// <summary>How long the service asked us to wait (Retry-After and rate-limit reset headers).</summary>
    public double? RetryAfterSeconds { get; init; }
}

public sealed record TokenUsage(int Prompt, int Completion)
{
    public int Total => Prompt + Completion;

    /// <summary>Some of the counts are estimates: the model endpoint reported no usage.</summary>
    public bool Estimated { get; init; }

    public TokenUsage Plus(TokenUsage other) =>
        new(Prompt + other.Prompt, Completion + other.Completion) { Estimated = Estimated || other.Estimated };
}
