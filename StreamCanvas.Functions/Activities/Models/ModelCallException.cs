namespace StreamCanvas.Activities.Models;

/// <summary>
/// A model call that failed with a reason class (<see cref="Definitions.FailureReasons"/>); <see cref="Retryable"/>
/// says whether another try can help. <see cref="ModelErrorsChatClient"/> turns the client library's exceptions into it.
/// </summary>
public sealed class ModelCallException(string reason, string message, bool retryable, int? status = null, Exception? inner = null, TimeSpan? retryAfter = null)
    : Exception(message, inner)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public string Reason { get; } = reason;
    public bool Retryable { get; } = retryable;
    public int? Status { get; } = status;
}
