using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Mcp;
using StreamCanvas.Definitions;
using StreamCanvas.Storage;

namespace StreamCanvas.Orchestration;

internal static partial class AgentSteps
{
    /// <summary>What a name the model may call stands for: the entry that declared it, and a workflow tool's pinned definition.</summary>
    sealed record ToolTarget(AgentTool Entry, AgentToolSpec Spec, ResolvedWorkflow? Workflow = null);

    sealed partial class Loop
    {
        readonly List<AgentToolSpec> specs = [];
        readonly Dictionary<string, ToolTarget> targets = new(StringComparer.Ordinal);

        /// <summary>
        /// The tools the model is offered, in the order declared. HTTP tools are what the step declares; a workflow
        /// tool's schema and description are its definition's, resolved (and pinned) once by an activity; an MCP
        /// server's tools are listed once by an activity. Both answers are in the history, so replay offers the same
        /// tools. A step with HTTP tools only schedules nothing here, as before workflow and MCP tools existed.
        /// </summary>
        async Task<StepError?> PrepareToolsAsync()
        {
            foreach (AgentTool entry in step.Tools)
            {
                if (entry.Workflow is { } workflow)
                {
                    ResolvedWorkflow resolved = await context.CallActivityAsync<ResolvedWorkflow>(
                        nameof(ResolveWorkflowActivity), new ResolveWorkflowRequest(workflow, null), SubWorkflowSteps.ResolveRetry);
                    if (resolved.Definition is not { } definition)
                    {
                        return new StepError(FailureReasons.Validation, $"step '{step.Id}', tool '{entry.Name}': {resolved.Error}", false);
                    }

                    Offer(new ToolTarget(entry, new AgentToolSpec(entry.Name, definition.ToolDescription(), definition.ToolInputSchema()), resolved));
                }
                else if (entry.Mcp is { } server)
                {
                    var identity = new StepIdentity(context.InstanceId, run.Definition.Name, step.Id, round);
                    McpToolList listed = await WithRetryAsync(0, async () =>
                    {
                        try
                        {
                            return await context.CallActivityAsync<McpToolList>(nameof(ListMcpToolsActivity), new McpToolsRequest(identity, server, entry.Include));
                        }
                        catch (TaskFailedException ex)
                        {
                            return new McpToolList([]) { Error = new StepError(FailureReasons.ActivityError, ex.FailureDetails.ErrorMessage, true) };
                        }
                    }, l => l.Error);
                    if (listed.Error is { } error)
                    {
                        return error;
                    }

                    foreach (AgentToolSpec tool in listed.Tools)
                    {
                        if (targets.TryGetValue(tool.Name, out ToolTarget? taken))
                        {
                            return new StepError(FailureReasons.Validation,
                                $"step '{step.Id}': tool '{tool.Name}' of MCP server '{server}' has the name of another tool ({taken.Entry.Label}); list the ones to use with include", false);
                        }

                        Offer(new ToolTarget(entry, tool));
                    }
                }
                else
                {
                    Offer(new ToolTarget(entry, new AgentToolSpec(entry.Name, entry.Description, entry.Parameters)));
                }
            }

            return null;
        }

        void Offer(ToolTarget target)
        {
            specs.Add(target.Spec);
            targets[target.Spec.Name] = target;
        }

        /// <summary>
        /// One tool call: checked against the tool's schema, past its gate when it needs approval, then run (an HTTP
        /// call, a child run or an MCP call). Its result (or error, or refusal) goes back to the model; only a tool
        /// that cannot be reached at all (a connection or server not configured, an MCP server down after the step's
        /// retries) fails the step.
        /// </summary>
        async Task<(AgentToolCallRecord Record, string Result, StepError? Fatal)> CallToolAsync(int turn, AgentToolCall call)
        {
            calls++;
            string arguments = Shorten(call.Arguments.ToJsonString(), MaxTracedArgumentChars);
            if (!targets.TryGetValue(call.Name, out ToolTarget? target))
            {
                string unknown = $"error: there is no tool '{call.Name}'; the tools are {string.Join(", ", specs.Select(t => t.Name))}";
                return (new AgentToolCallRecord(call.Id, call.Name, arguments, ToolCallStatuses.Invalid) { ResultChars = unknown.Length, Error = unknown }, unknown, null);
            }

            AgentTool tool = target.Entry;
            string name = target.Spec.Name;
            if (ArgumentProblems(target.Spec.Parameters, call.Arguments) is { } invalid)
            {
                string message = $"error: the arguments do not match the tool's schema: {invalid}";
                return (new AgentToolCallRecord(call.Id, name, arguments, ToolCallStatuses.Invalid) { ResultChars = message.Length, Error = message }, message, null);
            }

            JsonObject data = run.Data.DeepClone().AsObject();
            data[AgentArgs.Root] = call.Arguments.DeepClone();
            string? gateId = null;
            if (tool.RequiresApproval || (tool.ApprovalWhen is { } rule && ConditionEvaluator.Evaluate(rule, data)))
            {
                var snapshot = new JsonObject
                {
                    ["tool"] = name,
                    ["arguments"] = call.Arguments.DeepClone(),
                    ["conversation"] = AgentConversation.ToJson(conversation),
                };
                ApprovalGate.ToolCallVerdict verdict = await ApprovalGate.ApproveToolCallAsync(context, run, step.GateStep(tool, name)!, snapshot, telemetry);
                gateId = verdict.Approval.GateId;
                if (verdict.Outcome == TimeoutOutcomes.TimedOut)
                {
                    var timedOut = new StepError(FailureReasons.ApprovalTimeout,
                        $"step '{step.Id}' turn {turn}, tool '{name}': gate {gateId} had no decision after {tool.Approval!.Escalation.Count} escalation level(s)", false);
                    return (new AgentToolCallRecord(call.Id, name, arguments, ToolCallStatuses.Refused) { GateId = gateId, Error = timedOut.Message }, "", timedOut);
                }

                if (verdict.Outcome != Decisions.Approve)
                {
                    ApprovalRecord approval = verdict.Approval;
                    string refusal = $"refused: a person did not approve this call ({approval.DecidedBy}{(string.IsNullOrWhiteSpace(approval.Comment) ? "" : ": " + approval.Comment)}). Do not try it again; tell the user what happens instead.";
                    return (new AgentToolCallRecord(call.Id, name, arguments, ToolCallStatuses.Refused) { GateId = gateId, ResultChars = refusal.Length, Error = refusal }, refusal, null);
                }
            }

            (StepOutcome outcome, string? childId) = target switch
            {
                { Workflow: { } resolved } => await CallWorkflowAsync(tool, name, resolved, call),
                { Entry.Mcp: { } server } => (await CallMcpAsync(turn, server, name, call), null),
                _ => (await CallHttpAsync(tool, call, data), null),
            };

            activityMilliseconds += outcome.DurationMilliseconds;
            if (outcome.Error is { Reason: FailureReasons.ToolNotAllowed or FailureReasons.ToolUnavailable } unreachable)
            {
                var fatal = unreachable with { Message = $"step '{step.Id}' turn {turn}, tool '{name}': {unreachable.Message}" };
                return (new AgentToolCallRecord(call.Id, name, arguments, ToolCallStatuses.Failed) { GateId = gateId, Error = fatal.Message }, "", fatal);
            }

            string result = outcome.Succeeded
                ? Shorten(outcome.Output?.ToJsonString() ?? "(no content)", MaxResultChars)
                : $"error ({outcome.Error!.Reason}): {outcome.Error.Message}";
            return (new AgentToolCallRecord(call.Id, name, arguments, outcome.Succeeded ? ToolCallStatuses.Succeeded : ToolCallStatuses.Failed)
            {
                HttpStatus = outcome.Status,
                ResultChars = result.Length,
                ActivityMilliseconds = outcome.DurationMilliseconds,
                GateId = gateId,
                ChildInstanceId = childId,
                Error = outcome.Error?.Message,
            }, result, null);
        }

        async Task<StepOutcome> CallHttpAsync(AgentTool tool, AgentToolCall call, JsonObject data)
        {
            var identity = new StepIdentity(context.InstanceId, run.Definition.Name, $"{step.Id}.{tool.Name}.{calls}", 1) { Item = run.ItemIndex };
            try
            {
                return await context.CallActivityAsync<StepOutcome>(nameof(ToolStepActivity), new ToolStepRequest(
                    identity, tool.Connection!, tool.Method, Template.Render(tool.Path!, data, Uri.EscapeDataString), Template.RenderJson(tool.Body, data),
                    tool.ExpectStatus, tool.TimeoutSeconds) { AgentTool = new AgentToolInvocation(tool.Name, call.Id) });
            }
            catch (TaskFailedException ex)
            {
                return StepOutcome.Failure(FailureReasons.ActivityError, ex.FailureDetails.ErrorMessage, retryable: true);
            }
        }

        /// <summary>A child run of the workflow, pinned to the definition resolved when the step started; its failure is the model's to read.</summary>
        async Task<(StepOutcome Outcome, string? ChildId)> CallWorkflowAsync(AgentTool tool, string name, ResolvedWorkflow resolved, AgentToolCall call)
        {
            ChildRun child = await SubWorkflowSteps.RunChildAsync(context, run, step, tool.Workflow!, resolved, call.Arguments.DeepClone().AsObject(), $"{step.Id}/{name}/{calls}", round);
            return child.Error is { } error
                ? (new StepOutcome { Error = error }, child.InstanceId)
                : (new StepOutcome { Output = child.Output() }, child.InstanceId);
        }

        /// <summary>One MCP call; a server that cannot be reached is called again under the step's retry policy.</summary>
        Task<StepOutcome> CallMcpAsync(int turn, string server, string name, AgentToolCall call)
        {
            var identity = new StepIdentity(context.InstanceId, run.Definition.Name, $"{step.Id}.{name}.{calls}", 1);
            return WithRetryAsync(turn, async () =>
            {
                try
                {
                    return await context.CallActivityAsync<StepOutcome>(nameof(CallMcpToolActivity), new McpToolCallRequest(identity, server, name, call.Id, call.Arguments));
                }
                catch (TaskFailedException ex)
                {
                    return StepOutcome.Failure(FailureReasons.ToolUnavailable, ex.FailureDetails.ErrorMessage, retryable: true);
                }
            }, o => o.Error is { Reason: FailureReasons.ToolUnavailable } error ? error : null);
        }

        /// <summary>
        /// Calls again, under the step's retry policy and with durable backoff (honouring a Retry-After), while
        /// <paramref name="retryableError"/> reports a retryable error.
        /// </summary>
        async Task<T> WithRetryAsync<T>(int turn, Func<Task<T>> call, Func<T, StepError?> retryableError)
        {
            StepRetryPolicy policy = step.Retry ?? StepRetryPolicy.None;
            T result = await call();
            for (int tries = 1; retryableError(result) is { Retryable: true } error && tries < policy.MaxAttempts;)
            {
                tries++;
                TimeSpan delay = policy.DelayBeforeAttempt(tries);
                TimeSpan asked = TimeSpan.FromSeconds(error.RetryAfterSeconds ?? 0);
                run.Publish(context, new RunStatus
                {
                    Workflow = run.Definition.Name, Version = run.Definition.Version, State = RunStates.Retrying,
                    CurrentStep = step.Id, StepKind = step.Kind, Attempt = Math.Max(turn, 1),
                    Failure = new RunFailure(step.Id, error.Reason, error.Message),
                });
                await context.CreateTimer(asked > delay ? asked : delay, CancellationToken.None);
                result = await call();
            }

            return result;
        }

        static string? ArgumentProblems(JsonObject parameters, JsonObject arguments)
        {
            var schema = Json.Schema.JsonSchema.FromText(parameters.ToJsonString(), new Json.Schema.BuildOptions { SchemaRegistry = new Json.Schema.SchemaRegistry() });
            IReadOnlyList<DefinitionError> errors = DefinitionLoader.SchemaErrors(schema, arguments);
            return errors.Count == 0 ? null : string.Join("; ", errors.Select(e => $"{(e.Pointer.Length == 0 ? "/" : e.Pointer)} {e.Message}"));
        }
    }
}
