using Microsoft.Extensions.AI;

namespace StreamCanvas.Activities.Models;

/// <summary>
/// A tokenizer-free estimate (about four characters a token for English). Pure, so the orchestrator can check
/// budgets before calling the model and get the same answer on replay.
/// </summary>
public static class TokenEstimate
{
    /// <summary>Completion allowance assumed for a step that sets no maxTokens.</summary>
    public const int DefaultCompletionTokens = 1024;

    public static int ForText(string? text) => string.IsNullOrEmpty(text) ? 0 : Math.Max(1, (text.Length + 3) / 4);

    /// <summary>The most a call can use: its prompt, plus its completion cap.</summary>
    public static int ForCall(string? system, string prompt, int? maxTokens) =>
        ForText(system) + ForText(prompt) + (maxTokens ?? DefaultCompletionTokens);

    /// <summary>The messages' text, tool calls' arguments and tool results.</summary>
    public static int ForMessages(IEnumerable<ChatMessage> messages) =>
        messages.Sum(message => message.Contents.Sum(content => content switch
        {
            TextContent text => ForText(text.Text),
            FunctionCallContent call => ForText(call.Name) + ForText(call.Arguments is null ? null : System.Text.Json.JsonSerializer.Serialize(call.Arguments, AIJsonUtilities.DefaultOptions)),
            FunctionResultContent result => ForText(result.Result?.ToString()),
            _ => 0,
        }));
}
