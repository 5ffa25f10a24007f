using System.Diagnostics;
using StreamCanvas.Telemetry;

namespace StreamCanvas.Activities.Models;

/// <summary>
/// Names from the OpenTelemetry GenAI semantic conventions that the engine uses itself (the chat spans and the
/// <c>gen_ai.client.*</c> histograms come from Microsoft.Extensions.AI's OpenTelemetry chat client), and the
/// per-workflow token counter the workbook charts.
/// </summary>
public static class ModelTelemetry
{
    public const string Chat = "chat";
    public const string ExecuteTool = "execute_tool";
    public const string OperationName = "gen_ai.operation.name";
    public const string ProviderName = "gen_ai.provider.name";
    public const string RequestModel = "gen_ai.request.model";
    public const string ResponseModel = "gen_ai.response.model";
    public const string InputTokens = "gen_ai.usage.input_tokens";
    public const string OutputTokens = "gen_ai.usage.output_tokens";
    public const string FinishReasons = "gen_ai.response.finish_reasons";
    public const string ToolName = "gen_ai.tool.name";
    public const string ToolCallId = "gen_ai.tool.call.id";
    public const string ToolType = "gen_ai.tool.type";
    public const string TokenUsageMetric = "gen_ai.client.token.usage";
    public const string OperationDurationMetric = "gen_ai.client.operation.duration";

    /// <summary>gen_ai.tool.type of a tool the agent's model calls through the engine (an HTTP connection, a workflow).</summary>
    public const string FunctionTool = "function";

    /// <summary>gen_ai.tool.type of a tool another service (an MCP server) runs.</summary>
    public const string ExtensionTool = "extension";

    /// <summary>An agent's tool call as an execute_tool span (GenAI conventions); the caller marks errors on it.</summary>
    public static Activity? StartToolSpan(string tool, string callId, string toolType)
    {
        Activity? span = StreamCanvasTelemetry.Source.StartActivity($"{ExecuteTool} {tool}", ActivityKind.Internal);
        span?.SetTag(OperationName, ExecuteTool);
        span?.SetTag(ToolName, tool);
        span?.SetTag(ToolCallId, callId);
        span?.SetTag(ToolType, toolType);
        return span;
    }

    /// <summary>Marks a tool span failed with the engine's failure reason as error.type.</summary>
    public static void MarkFailed(Activity? span, StepError error)
    {
        span?.SetTag("error.type", error.Reason);
        span?.SetStatus(ActivityStatusCode.Error, error.Message);
    }

    /// <summary>gen_ai.provider.name for a Model:Provider value.</summary>
    public static string ProviderOf(string provider) => provider switch
    {
        ModelProviders.AzureOpenAI => "azure.ai.openai",
        ModelProviders.OpenAICompatible => "openai",
        _ => "streamcanvas.offline",
    };

    /// <summary>Token counts by workflow, step and model; called once per model call that answered.</summary>
    public static void RecordTokens(StepIdentity step, string model, int input, int output)
    {
        KeyValuePair<string, object?>[] tags = [new(TelemetryTags.Workflow, step.Workflow), new(TelemetryTags.Step, step.StepId), new(TelemetryTags.Model, model)];
        RunMetrics.Tokens.Add(input, [.. tags, new(TelemetryTags.Direction, "input")]);
        RunMetrics.Tokens.Add(output, [.. tags, new(TelemetryTags.Direction, "output")]);
    }

    /// <summary>What a model call cost (streamcanvas.cost), by workflow, step and model; nothing for a model without a price.</summary>
    public static void RecordCost(StepIdentity step, string? model, decimal? cost)
    {
        if (cost is decimal priced && model is not null)
        {
            RunMetrics.Cost.Add((double)priced, [new(TelemetryTags.Workflow, step.Workflow), new(TelemetryTags.Step, step.StepId), new(TelemetryTags.Model, model)]);
        }
    }
}
