using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using StreamCanvas.Activities.Models;
using StreamCanvas.Definitions;

namespace StreamCanvas.Activities.Mcp;

/// <summary>One call an agent's model made to a tool of an MCP server; <see cref="CallId"/> is the model's call id.</summary>
public sealed record McpToolCallRequest(StepIdentity Step, string Server, string Tool, string CallId, JsonObject Arguments);

/// <summary>
/// Calls one tool of an MCP server, as its own activity: a crash resumes after the last finished call and replay
/// does not repeat it. The tool's own errors (an <c>isError</c> result, a JSON-RPC error) come back as a
/// <see cref="FailureReasons.ToolError"/> for the model to read; a server that cannot be reached is
/// <see cref="FailureReasons.ToolUnavailable"/>, retried under the step's policy.
/// </summary>
public sealed partial class CallMcpToolActivity(McpServers servers, ILogger<CallMcpToolActivity> logger)
    : IDurableActivity<McpToolCallRequest, StepOutcome>
{
    public async Task<StepOutcome> RunAsync(McpToolCallRequest request, CancellationToken cancellationToken)
    {
        using Activity? span = ModelTelemetry.StartToolSpan(request.Tool, request.CallId, ModelTelemetry.ExtensionTool);
        span?.SetTag("mcp.server", request.Server);
        StepOutcome outcome = await CallAsync(request, cancellationToken);
        if (outcome.Error is { } error)
        {
            ModelTelemetry.MarkFailed(span, error);
        }

        return outcome;
    }

    async Task<StepOutcome> CallAsync(McpToolCallRequest request, CancellationToken cancellationToken)
    {
        StepIdentity step = request.Step;
        string call = $"MCP {request.Server}/{request.Tool}";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(McpServers.CallTimeout);
        long started = Stopwatch.GetTimestamp();
        CallToolResult result;
        try
        {
            McpClient? client = await servers.ConnectAsync(request.Server, timeout.Token);
            if (client is null)
            {
                return new StepOutcome { Error = McpFailures.NotConfigured(step, request.Server) };
            }

            await using (client)
            {
                // As JsonElements, which the SDK's serializer options always support.
                Dictionary<string, object?> arguments = request.Arguments.ToDictionary(
                    a => a.Key, a => a.Value is null ? null : (object?)JsonSerializer.SerializeToElement(a.Value), StringComparer.Ordinal);
                result = await client.CallToolAsync(request.Tool, arguments, cancellationToken: timeout.Token);
            }
        }
        catch (Exception ex) when (McpFailures.IsAnswer(ex))
        {
            LogCalled(step.InstanceId, step.StepId, call, "protocol error", Elapsed(started));
            return StepOutcome.Failure(FailureReasons.ToolError, $"{call} answered an error: {ex.Message}", retryable: false) with { DurationMilliseconds = Elapsed(started) };
        }
        catch (Exception ex) when (McpFailures.IsUnavailable(ex, cancellationToken))
        {
            LogCalled(step.InstanceId, step.StepId, call, "unreachable", Elapsed(started));
            return new StepOutcome { Error = McpFailures.Unavailable(step, request.Server, ex), DurationMilliseconds = Elapsed(started) };
        }

        JsonNode output = Output(result);
        bool failed = result.IsError == true;
        LogCalled(step.InstanceId, step.StepId, call, failed ? "tool error" : "ok", Elapsed(started));
        return failed
            ? StepOutcome.Failure(FailureReasons.ToolError, $"{call} reported an error: {output.ToJsonString()}", retryable: false) with { DurationMilliseconds = Elapsed(started) }
            : new StepOutcome { Output = output, DurationMilliseconds = Elapsed(started) };
    }

    /// <summary>The structured result when the tool gives one, else its text blocks (other blocks named by their type).</summary>
    static JsonNode Output(CallToolResult result)
    {
        if (result.StructuredContent is { } structured)
        {
            return JsonSerializer.SerializeToNode(structured) ?? new JsonObject();
        }

        string text = string.Join("\n", result.Content.Select(block => block is TextContentBlock textBlock ? textBlock.Text : $"[{block.Type} content]"));
        return new JsonObject { ["text"] = text };
    }

    static double Elapsed(long started) => Stopwatch.GetElapsedTime(started).TotalMilliseconds;

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {InstanceId} step {StepId}: {Call} answered {Result} in {Milliseconds:F0} ms")]
    partial void LogCalled(string instanceId, string stepId, string call, string result, double milliseconds);
}
