namespace StreamCanvas.Definitions.Readiness;

public static partial class ReadinessAudit
{
    static IEnumerable<ReadinessFinding> ToolAccess(WorkflowDefinition definition, ReadinessEnvironment environment)
    {
        var tools = definition.Steps.SelectMany((step, index) => step switch
        {
            ToolStep tool => [(step, tool.Connection, $"/steps/{index}/connection")],
            AgentStep agent => agent.Tools.Select((t, i) => (step, t.Connection, $"/steps/{index}/tools/{i}/connection")).Where(t => t.Connection is not null),
            _ => Enumerable.Empty<(WorkflowStep, string?, string)>(),
        }).ToList();
        var servers = definition.Steps.SelectMany((step, index) => step is AgentStep agent
            ? agent.Tools.Select((t, i) => (step, t.Mcp, $"/steps/{index}/tools/{i}/mcp")).Where(t => t.Mcp is not null)
            : []).ToList();
        if (tools.Count == 0 && servers.Count == 0)
        {
            yield return new(ReadinessOutcome.Pass, "no step calls a connection", "/steps");
            yield break;
        }

        foreach ((WorkflowStep step, string? server, string at) in servers)
        {
            yield return environment.McpServers.Contains(server!)
                ? new(ReadinessOutcome.Pass, $"MCP server '{server}' is configured (its tools are listed when step '{step.Id}' starts)", at)
                : new(ReadinessOutcome.Fail, $"step '{step.Id}' calls the tools of MCP server '{server}', which is not configured (Mcp:Servers:{server}:Endpoint)", at);
        }

        foreach ((WorkflowStep step, string? named, string at) in tools)
        {
            string connection = named!;
            if (!environment.Connections.TryGetValue(connection, out ConnectionReadiness? configured))
            {
                yield return new(ReadinessOutcome.Fail, $"step '{step.Id}' calls connection '{connection}', which is not configured (Tools:Connections:{connection})", at);
            }
            else if (configured.HealthPath is null)
            {
                yield return new(ReadinessOutcome.Pass, $"connection '{connection}' is configured (it declares no health path to probe)", at);
            }
            else if (configured.Probe is null)
            {
                string why = environment.ProbesRun ? "was not probed" : "is not probed offline";
                yield return new(ReadinessOutcome.Pass, $"connection '{connection}' is configured; its health path {configured.HealthPath} {why}", at);
            }
            else if (configured.Probe.Healthy)
            {
                yield return new(ReadinessOutcome.Pass, $"connection '{connection}' is configured and its health probe answered: {configured.Probe.Detail}", at);
            }
            else
            {
                yield return new(ReadinessOutcome.Fail, $"connection '{connection}' failed its health probe ({configured.HealthPath}): {configured.Probe.Detail}", at);
            }
        }
    }

    static IEnumerable<ReadinessFinding> ExceptionHandling(WorkflowDefinition definition)
    {
        bool any = false;
        for (int i = 0; i < definition.Steps.Count; i++)
        {
            WorkflowStep step = definition.Steps[i];
            if (step is LlmStep or ToolStep or AgentStep)
            {
                any = true;
                bool retries = step.Retry is { MaxAttempts: > 1 };
                yield return retries || step.OnFailure is not null
                    ? new(ReadinessOutcome.Pass, $"step '{step.Id}' {Handling(step, retries)}", $"/steps/{i}")
                    : new(ReadinessOutcome.Fail, $"{step.Kind} step '{step.Id}' has neither retry (maxAttempts > 1) nor onFailure: one failed call fails the run", $"/steps/{i}/retry");
            }
            else if (step is ApprovalStep approval)
            {
                any = true;
                yield return approval.OnTimeout == TimeoutActions.Approve
                    ? new(ReadinessOutcome.Warn, $"approval '{step.Id}' approves when its last level times out: unreviewed work goes through", $"/steps/{i}/onTimeout")
                    : new(ReadinessOutcome.Pass, $"approval '{step.Id}' times out after {approval.Escalation.Count} level(s), then does '{approval.OnTimeout}'", $"/steps/{i}/onTimeout");
            }

            if (step is AgentStep agent)
            {
                for (int t = 0; t < agent.Tools.Count; t++)
                {
                    if (agent.Tools[t].Approval is { OnTimeout: TimeoutActions.Approve })
                    {
                        yield return new(ReadinessOutcome.Warn, $"agent '{step.Id}' calls tool '{agent.Tools[t].Label}' unreviewed when its approval times out", $"/steps/{i}/tools/{t}/approval/onTimeout");
                    }
                }
            }
        }

        int llmSteps = definition.Steps.Count(s => s is LlmStep or AgentStep);
        if (llmSteps >= ModelHeavySteps && definition.Budgets is not { RunTokens: not null } and not { DailyTokens: not null } and not { DailyCost: not null })
        {
            yield return new(ReadinessOutcome.Warn, $"{llmSteps} llm steps and no token or cost budget: a runaway run or day has no limit", "/budgets");
        }
        else if (!any)
        {
            yield return new(ReadinessOutcome.Pass, "no step calls a model, a tool or a person", "/steps");
        }
    }

    static string Handling(WorkflowStep step, bool retries) =>
        (retries, step.OnFailure) switch
        {
            (true, { Goto: { } target }) => $"retries up to {step.Retry!.MaxAttempts} times, then goes to '{target}'",
            (true, { Fail: { } reason }) => $"retries up to {step.Retry!.MaxAttempts} times, then fails with '{reason}'",
            (true, _) => $"retries up to {step.Retry!.MaxAttempts} times",
            (false, { Goto: { } target }) => $"goes to '{target}' when it fails",
            (false, { Fail: { } reason }) => $"fails the run with '{reason}'",
            _ => "handles its failure",
        };
}
