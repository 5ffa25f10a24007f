using System.Text.Json.Nodes;

namespace StreamCanvas.Activities.Models;

/// <summary>A chat completion backend: Azure OpenAI, an OpenAI-compatible endpoint, or the offline model.</summary>
public interface IChatModel
{
    /// <summary>Throws <see cref="ModelCallException"/> for failures the engine can classify.</summary>
    Task<ChatReply> CompleteAsync(ChatCall call, CancellationToken cancellationToken);
}

public sealed record ChatCall(string? System, string Prompt, string? Model, double? Temperature, int? MaxTokens, bool JsonOutput, JsonObject? OutputSchema);

/// <param name="UsageEstimated">The endpoint reported no usage, so the token counts are <see cref="TokenEstimate"/>s.</param>
public sealed record ChatReply(string Text, string Model, int PromptTokens, int CompletionTokens, string? FinishReason, bool UsageEstimated = false);

/// <summary>A model call that failed with a reason class; <see cref="Retryable"/> says whether another try can help.</summary>
public sealed class ModelCallException(string reason, string message, bool retryable, int? status = null, Exception? inner = null, TimeSpan? retryAfter = null)
    : Exception(message, inner)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public string Reason { get; } = reason;
    public bool Retryable { get; } = retryable;
    public int? Status { get; } = status;
}
