using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using StreamCanvas.Definitions;

namespace StreamCanvas.Activities;

/// <summary>One message of an agent's conversation, as the orchestrator keeps it and the turn activity sends it.</summary>
/// <param name="Role">system, user, assistant or tool.</param>
public sealed record AgentMessage(string Role, string? Text = null)
{
    /// <summary>The tools an assistant message calls.</summary>
    public IReadOnlyList<AgentToolCall>? ToolCalls { get; init; }

    /// <summary>For a tool message: the call it answers.</summary>
    public string? ToolCallId { get; init; }

    public const string System = "system";
    public const string User = "user";
    public const string Assistant = "assistant";
    public const string Tool = "tool";
}

/// <summary>A tool call the model asked for: its id (which the result answers), the tool and the arguments.</summary>
public sealed record AgentToolCall(string Id, string Name, JsonObject Arguments);

/// <summary>What the model is told about a tool: its name, what it does, and the JSON Schema of its arguments.</summary>
public sealed record AgentToolSpec(string Name, string Description, JsonObject Parameters);

/// <summary>
/// One model turn of an agent step. The conversation so far travels inline, or, when large, was stored beside the
/// run (<see cref="StoredConversation"/>, the key it was stored under with the approval snapshots).
/// </summary>
public sealed record AgentTurnRequest(
    StepIdentity Step,
    IReadOnlyList<AgentMessage>? Conversation,
    IReadOnlyList<AgentToolSpec> Tools,
    string? Model,
    double? Temperature,
    int? MaxTokens,
    string Output,
    JsonObject? OutputSchema)
{
    public string? StoredConversation { get; init; }

    /// <summary>The final answer's rubric: a rule over { "output": ... } and/or a grader prompt, as for an llm step.</summary>
    public Rubric? Rubric { get; init; }

    /// <summary>Before <see cref="Rubric"/>, turns carried only the rule; a turn scheduled then still has it checked.</summary>
    public Condition? Rule { get; init; }

    public string? RuleFeedback { get; init; }

    /// <summary>The checks the final answer passes: the rubric, or the rule of a turn scheduled before rubrics travelled.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Rubric? Checks => Rubric ?? (Rule is null ? null : new Rubric { Rule = Rule, Feedback = RuleFeedback });

    /// <summary>The workflow's daily token and cost budgets, enforced across all runs and hosts.</summary>
    public Models.DailyBudgetLimits? DailyBudget { get; init; }
}

/// <summary>
/// What a turn came to: tool calls to make, or a final answer (its <see cref="Output"/>, or the <see cref="Problem"/>
/// the validator found with it), or a classified error.
/// </summary>
public sealed record AgentTurnOutcome
{
    public StepError? Error { get; init; }
    public string? Text { get; init; }
    public IReadOnlyList<AgentToolCall> ToolCalls { get; init; } = [];
    public JsonNode? Output { get; init; }
    public string? Problem { get; init; }
    public string? Model { get; init; }
    public TokenUsage? Tokens { get; init; }

    /// <summary>What the turn's tokens cost (Model:Pricing), or null for a model without a price.</summary>
    public decimal? Cost { get; init; }

    public double DurationMilliseconds { get; init; }

    public bool Succeeded => Error is null;
}

/// <summary>How an agent's conversation maps onto Microsoft.Extensions.AI messages, and back.</summary>
public static class AgentConversation
{
    static readonly JsonSerializerOptions Options = AIJsonUtilities.DefaultOptions;

    public static List<ChatMessage> ToChat(IEnumerable<AgentMessage> conversation) => [.. conversation.Select(ToChat)];

    static ChatMessage ToChat(AgentMessage message) => message.Role switch
    {
        AgentMessage.System => new ChatMessage(ChatRole.System, message.Text),
        AgentMessage.User => new ChatMessage(ChatRole.User, message.Text),
        AgentMessage.Tool => new ChatMessage(ChatRole.Tool, [new FunctionResultContent(message.ToolCallId ?? "", message.Text)]),
        _ => new ChatMessage(ChatRole.Assistant,
            [.. (string.IsNullOrEmpty(message.Text) ? [] : new AIContent[] { new TextContent(message.Text) }),
             .. (message.ToolCalls ?? []).Select(call => new FunctionCallContent(call.Id, call.Name, Arguments(call.Arguments)))]),
    };

    static Dictionary<string, object?> Arguments(JsonObject arguments) =>
        arguments.ToDictionary(p => p.Key, p => p.Value is null ? null : (object?)JsonSerializer.SerializeToElement(p.Value, Options), StringComparer.Ordinal);

    /// <summary>The model's tool calls with their arguments as JSON.</summary>
    public static List<AgentToolCall> ToolCalls(ChatResponse response) =>
        [.. response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Select((call, i) => new AgentToolCall(
            string.IsNullOrEmpty(call.CallId) ? $"call_{i + 1}" : call.CallId,
            call.Name,
            call.Arguments is null ? [] : JsonSerializer.SerializeToNode(call.Arguments, Options) as JsonObject ?? []))];

    public static AIFunctionDeclaration Declaration(AgentToolSpec tool) =>
        AIFunctionFactory.CreateDeclaration(tool.Name, tool.Description, JsonSerializer.SerializeToElement(tool.Parameters, Options), null);

    /// <summary>The conversation as JSON (for storing it beside the run and showing it to an approver).</summary>
    public static JsonArray ToJson(IEnumerable<AgentMessage> conversation) =>
        JsonSerializer.SerializeToNode(conversation.ToList(), JsonSerializerOptions.Web)!.AsArray();

    public static List<AgentMessage> FromJson(JsonNode? json) =>
        json?.Deserialize<List<AgentMessage>>(JsonSerializerOptions.Web) ?? [];
}
