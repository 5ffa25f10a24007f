using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using StreamCanvas.Definitions;

namespace StreamCanvas.Activities.Mcp;

/// <summary>An agent step's MCP entry: the server and, optionally, which of its tools the model may call.</summary>
public sealed record McpToolsRequest(StepIdentity Step, string Server, IReadOnlyList<string>? Include);

/// <summary>The server's tools as the model will see them, or why they could not be listed.</summary>
public sealed record McpToolList(IReadOnlyList<AgentToolSpec> Tools)
{
    public StepError? Error { get; init; }
}

/// <summary>
/// Lists an MCP server's tools when an agent step starts. It is an activity so the list is in the run's history:
/// replay sees the tools the model was offered, even if the server has changed since.
/// </summary>
public sealed partial class ListMcpToolsActivity(McpServers servers, ILogger<ListMcpToolsActivity> logger)
    : IDurableActivity<McpToolsRequest, McpToolList>
{
    public async Task<McpToolList> RunAsync(McpToolsRequest request, CancellationToken cancellationToken)
    {
        StepIdentity step = request.Step;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(McpServers.CallTimeout);
        IList<McpClientTool> listed;
        try
        {
            McpClient? client = await servers.ConnectAsync(request.Server, timeout.Token);
            if (client is null)
            {
                return new McpToolList([]) { Error = McpFailures.NotConfigured(step, request.Server) };
            }

            await using (client)
            {
                listed = await client.ListToolsAsync(cancellationToken: timeout.Token);
            }
        }
        catch (Exception ex) when (McpFailures.IsAnswer(ex) || McpFailures.IsUnavailable(ex, cancellationToken))
        {
            LogListFailed(step.InstanceId, step.StepId, request.Server, ex.Message);
            StepError error = McpFailures.IsAnswer(ex)
                ? new StepError(FailureReasons.ToolError, $"step '{step.StepId}': MCP server '{request.Server}' refused to list its tools: {ex.Message}", Retryable: true)
                : McpFailures.Unavailable(step, request.Server, ex);
            return new McpToolList([]) { Error = error };
        }

        var byName = listed.ToDictionary(t => t.Name, StringComparer.Ordinal);
        string[] missing = [.. (request.Include ?? []).Where(name => !byName.ContainsKey(name))];
        if (missing.Length > 0)
        {
            return new McpToolList([])
            {
                Error = new StepError(FailureReasons.Validation,
                    $"step '{step.StepId}': MCP server '{request.Server}' has no tool {string.Join(", ", missing.Select(m => $"'{m}'"))}; it has {string.Join(", ", byName.Keys)}", Retryable: false),
            };
        }

        IEnumerable<McpClientTool> offered = request.Include is { } include ? include.Select(name => byName[name]) : listed;
        List<AgentToolSpec> tools = [.. offered.Select(Spec)];
        LogListed(step.InstanceId, step.StepId, request.Server, tools.Count);
        return new McpToolList(tools);
    }

    static AgentToolSpec Spec(McpClientTool tool)
    {
        JsonObject schema = JsonSerializer.SerializeToNode(tool.ProtocolTool.InputSchema) as JsonObject ?? [];
        schema["type"] ??= "object";
        return new AgentToolSpec(tool.Name, tool.Description, schema);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {InstanceId} agent {StepId}: MCP server {Server} offers {Count} tool(s)")]
    partial void LogListed(string instanceId, string stepId, string server, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {InstanceId} agent {StepId}: could not list the tools of MCP server {Server}: {Detail}")]
    partial void LogListFailed(string instanceId, string stepId, string server, string detail);
}
