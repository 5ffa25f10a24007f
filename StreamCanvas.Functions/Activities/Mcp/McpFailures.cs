using ModelContextProtocol;
using StreamCanvas.Definitions;

namespace StreamCanvas.Activities.Mcp;

/// <summary>
/// Sorts what can go wrong talking to an MCP server: a JSON-RPC error answer is the server's own verdict on the
/// call (the model is told); anything that kept the answer from arriving is the server being unavailable, which
/// the step's retry and onFailure handle.
/// </summary>
public static class McpFailures
{
    public static StepError NotConfigured(StepIdentity step, string server) =>
        new(FailureReasons.ToolNotAllowed, $"step '{step.StepId}': MCP server '{server}' is not configured (Mcp:Servers:{server}:Endpoint)", Retryable: false);

    /// <summary>The server answered with an error (bad arguments, unknown tool, a failure it reports).</summary>
    public static bool IsAnswer(Exception ex) => ex is McpProtocolException;

    /// <summary>Whether an exception means the server could not be reached or dropped the call (not the activity being stopped).</summary>
    public static bool IsUnavailable(Exception ex, CancellationToken stopping) =>
        !IsAnswer(ex) && !stopping.IsCancellationRequested &&
        ex is HttpRequestException or McpException or IOException or TimeoutException or OperationCanceledException;

    public static StepError Unavailable(StepIdentity step, string server, Exception ex) =>
        new(FailureReasons.ToolUnavailable, $"step '{step.StepId}': MCP server '{server}' could not be reached: {ex.GetType().Name}: {ex.Message}", Retryable: true);
}
