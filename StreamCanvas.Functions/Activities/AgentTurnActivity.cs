using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using StreamCanvas.Activities.Models;
using StreamCanvas.Definitions;
using StreamCanvas.Storage;

namespace StreamCanvas.Activities;

/// <summary>
/// One model turn of an agent step: sends the conversation and the tool declarations, and reports the tool calls
/// the model asks for (the orchestrator runs each as its own activity) or its final answer, checked against the
/// output schema and the step's validation (rule and grader, as for an llm step). The daily budget and the
/// model's failures are handled as for an llm step.
/// </summary>
public sealed partial class AgentTurnActivity(IChatClient model, DailyBudget budget, ApprovalSnapshotStore conversations, ILogger<AgentTurnActivity> logger)
    : IDurableActivity<AgentTurnRequest, AgentTurnOutcome>
{
    /// <summary>Where a large conversation is kept: under the run's snapshot blobs, with this key.</summary>
    public static string ConversationKey(string stepId, int turn) => $"{stepId}~turn-{turn}";

    public async Task<AgentTurnOutcome> RunAsync(AgentTurnRequest request, CancellationToken cancellationToken)
    {
        StepIdentity step = request.Step;
        IReadOnlyList<AgentMessage> conversation = request.Conversation
            ?? AgentConversation.FromJson((await conversations.LoadAsync(step.InstanceId, request.StoredConversation!, cancellationToken))?["messages"]);
        List<ChatMessage> messages = AgentConversation.ToChat(conversation);
        var most = new TokenUsage(TokenEstimate.ForMessages(messages), request.MaxTokens ?? TokenEstimate.DefaultCompletionTokens);
        DailyBudgetHold hold = await budget.HoldAsync(step, request.DailyBudget, request.Model, most, cancellationToken);
        if (hold.Refusal is { } refusal)
        {
            return new AgentTurnOutcome { Error = new StepError(FailureReasons.BudgetExceeded, $"step '{step.StepId}' turn {step.Attempt}: {refusal}", false) };
        }

        AgentTurnOutcome outcome;
        try
        {
            outcome = await CallAsync(request, messages, cancellationToken);
        }
        catch (Exception)
        {
            await budget.SettleAfterFailureAsync(step, hold, new TokenUsage(0, 0));
            throw;
        }

        return outcome with { Cost = await budget.SettleAsync(step, hold, outcome.Model, outcome.Tokens, cancellationToken) };
    }

    async Task<AgentTurnOutcome> CallAsync(AgentTurnRequest request, List<ChatMessage> messages, CancellationToken cancellationToken)
    {
        StepIdentity step = request.Step;
        bool json = request.Output == LlmOutputFormats.Json;
        ChatOptions options = ModelCalls.Options(request.Model, request.Temperature, request.MaxTokens, json, request.OutputSchema);
        options.Tools = [.. request.Tools.Select(AgentConversation.Declaration)];
        options.AllowMultipleToolCalls = true;
        long started = Stopwatch.GetTimestamp();
        ModelReply reply;
        try
        {
            reply = ModelCalls.Reply(await model.GetResponseAsync(messages, options, cancellationToken), request.Model);
        }
        catch (ModelCallException ex)
        {
            LogTurnFailed(step.InstanceId, step.StepId, step.Attempt, ex.Reason, ex.Message);
            return new AgentTurnOutcome
            {
                Error = new StepError(ex.Reason, $"step '{step.StepId}' turn {step.Attempt}: {ex.Message}", ex.Retryable) { RetryAfterSeconds = ex.RetryAfter?.TotalSeconds },
                DurationMilliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            };
        }

        double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        List<AgentToolCall> calls = AgentConversation.ToolCalls(reply.Response);
        LogTurn(step.InstanceId, step.StepId, step.Attempt, reply.Model, reply.Tokens.Total, calls.Count, elapsed);
        var outcome = new AgentTurnOutcome { Text = reply.Text, ToolCalls = calls, Model = reply.Model, Tokens = reply.Tokens, DurationMilliseconds = elapsed };
        if (calls.Count > 0)
        {
            ModelTelemetry.RecordTokens(step, reply.Model, reply.Tokens.Prompt, reply.Tokens.Completion);
            return outcome;
        }

        // The final answer passes the llm step's own checks (schema, rule, grader); the grader's tokens are the turn's.
        try
        {
            AnswerVerdict verdict = await AnswerValidation.CheckAsync(model, reply.Text, json, request.OutputSchema, request.Checks, cancellationToken);
            TokenUsage tokens = reply.Tokens.Plus(verdict.GradingTokens);
            ModelTelemetry.RecordTokens(step, reply.Model, tokens.Prompt, tokens.Completion);
            return outcome with
            {
                Output = verdict.Output,
                Problem = verdict.Problem,
                Tokens = tokens,
                DurationMilliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            };
        }
        catch (ModelCallException ex)
        {
            // The grader failed as a model call does (classified, Retry-After honoured); the answer's tokens still count.
            ModelTelemetry.RecordTokens(step, reply.Model, reply.Tokens.Prompt, reply.Tokens.Completion);
            LogTurnFailed(step.InstanceId, step.StepId, step.Attempt, ex.Reason, ex.Message);
            return outcome with
            {
                Error = new StepError(ex.Reason, $"step '{step.StepId}' turn {step.Attempt}: grading the answer failed: {ex.Message}", ex.Retryable) { RetryAfterSeconds = ex.RetryAfter?.TotalSeconds },
                DurationMilliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            };
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {InstanceId} agent {StepId} turn {Turn}: model {Model} used {Tokens} tokens and called {ToolCalls} tool(s) in {Milliseconds:F0} ms")]
    partial void LogTurn(string instanceId, string stepId, int turn, string model, int tokens, int toolCalls, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {InstanceId} agent {StepId} turn {Turn}: model call failed ({Reason}): {Detail}")]
    partial void LogTurnFailed(string instanceId, string stepId, int turn, string reason, string detail);
}
