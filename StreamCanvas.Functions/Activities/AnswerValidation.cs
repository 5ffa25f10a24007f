using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using StreamCanvas.Activities.Models;
using StreamCanvas.Definitions;

namespace StreamCanvas.Activities;

/// <summary>What a model's answer came to: the output, the problem a check found with it, and the grader's tokens.</summary>
public sealed record AnswerVerdict(JsonNode? Output, string? Problem, TokenUsage GradingTokens);

/// <summary>
/// The checks a model's final answer passes, for llm steps and agent steps alike: parsed as asked (text or a JSON
/// object), the output schema, then the rubric's rule and its grader (a second model call answering
/// { pass, feedback }). A grader that fails to answer throws <see cref="ModelCallException"/>, classified as any
/// model call is.
/// </summary>
public static class AnswerValidation
{
    public static async Task<AnswerVerdict> CheckAsync(IChatClient model, string text, bool json, JsonObject? schema, Rubric? rubric, CancellationToken cancellationToken)
    {
        JsonNode? output = json ? ParseJson(text) : new JsonObject { ["text"] = text };
        string? problem = output is null ? "the answer was not a JSON object" : SchemaProblems(schema, output);
        if (problem is not null || output is null || rubric is null)
        {
            return new AnswerVerdict(output, problem, new TokenUsage(0, 0));
        }

        (problem, TokenUsage grading) = await GradeAsync(model, rubric, output, cancellationToken);
        return new AnswerVerdict(output, problem, grading);
    }

    public static string? SchemaProblems(JsonObject? schema, JsonNode output)
    {
        if (schema is null)
        {
            return null;
        }

        var compiled = Json.Schema.JsonSchema.FromText(schema.ToJsonString(), new Json.Schema.BuildOptions { SchemaRegistry = new Json.Schema.SchemaRegistry() });
        var errors = DefinitionLoader.SchemaErrors(compiled, output);
        return errors.Count == 0 ? null : "the JSON does not match the required schema: " + string.Join("; ", errors.Select(e => $"{(e.Pointer.Length == 0 ? "/" : e.Pointer)} {e.Message}"));
    }

    /// <summary>A rule over { "output": ... }, or a second model call that answers { pass, feedback }.</summary>
    static async Task<(string? Problem, TokenUsage Tokens)> GradeAsync(IChatClient model, Rubric rubric, JsonNode output, CancellationToken cancellationToken)
    {
        if (rubric.Rule is { } rule && !ConditionEvaluator.Evaluate(rule, new JsonObject { ["output"] = output.DeepClone() }))
        {
            return (rubric.Feedback ?? "the answer does not meet the rubric", new TokenUsage(0, 0));
        }

        if (rubric.Prompt is null)
        {
            return (null, new TokenUsage(0, 0));
        }

        List<ChatMessage> grading = ModelCalls.Messages(
            "You grade answers. Reply with JSON only: { \"pass\": true|false, \"feedback\": \"what to fix\" }.",
            $"{rubric.Prompt}\n\nAnswer to grade:\n{output.ToJsonString()}");
        ModelReply verdict = ModelCalls.Reply(
            await model.GetResponseAsync(grading, ModelCalls.Options(rubric.Model, 0, 300, json: true, schema: null), cancellationToken), rubric.Model);
        JsonNode? parsed = ParseJson(verdict.Text);

        // Fail closed: an unreadable verdict does not let an ungraded answer through.
        string? feedback = parsed?["pass"] is JsonValue value && value.TryGetValue(out bool passed)
            ? passed ? null : parsed["feedback"]?.ToString() ?? "the grader rejected the answer"
            : "the grader did not answer { pass, feedback }";
        return (feedback, verdict.Tokens);
    }

    /// <summary>Parses the model's JSON, tolerating the ```json fences chat models like to add.</summary>
    public static JsonNode? ParseJson(string text)
    {
        string trimmed = text.Trim();
        if (trimmed.StartsWith("```", StringComparison.Ordinal))
        {
            int firstLine = trimmed.IndexOf('\n');
            int lastFence = trimmed.LastIndexOf("```", StringComparison.Ordinal);
            trimmed = firstLine > 0 && lastFence > firstLine ? trimmed[(firstLine + 1)..lastFence] : trimmed;
        }

        try
        {
            return JsonNode.Parse(trimmed) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
