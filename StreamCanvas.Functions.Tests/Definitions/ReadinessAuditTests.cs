using StreamCanvas.Definitions;
using StreamCanvas.Definitions.Readiness;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Definitions;

/// <summary>The readiness audit over crafted definitions: each trait's pass, warn and fail, with its pointer.</summary>
public sealed class ReadinessAuditTests
{
    const string Draft = """{ "id": "draft", "kind": "llm", "prompt": "Write about {{input.topic}}", "retry": { "maxAttempts": 3 } }""";
    const string Gate = """{ "id": "review", "kind": "approval", "context": ["steps.draft.output.text"], "escalation": [{ "name": "editor", "approvers": ["e@example.com"], "timeout": "PT1H" }] }""";
    const string Measured = """[{ "name": "drafted", "condition": { "path": "steps.draft.output.text", "minLength": 20 } }]""";

    static readonly ReadinessEnvironment Configured = new()
    {
        Triggers = ["http"],
        Connections = new Dictionary<string, ConnectionReadiness>(StringComparer.OrdinalIgnoreCase) { ["crm"] = new(HealthPath: null) },
        AlertChannels = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "team-alerts" },
        ProbesRun = true,
    };

    /// <summary>A definition that passes every trait unless a part is replaced.</summary>
    static LoadedWorkflow Workflow(
        string steps = $"[{Draft}, {Gate}]",
        string definitionOfDone = Measured,
        string owner = """{ "team": "Tests", "contact": "tests@example.com", "alerts": "team-alerts" }""",
        string required = """["topic"]""",
        string extra = "") => TestDefinitions.Load($$"""
        {
          "name": "audited",
          "version": "1.0.0",
          "description": "audit test",
          "owner": {{owner}},
          "inputSchema": { "type": "object", "required": {{required}}, "properties": { "topic": { "type": "string" } } },
          "steps": {{steps}},
          {{extra}}
          "definitionOfDone": {{definitionOfDone}}
        }
        """);

    static TraitReadiness Trait(LoadedWorkflow workflow, string trait, ReadinessEnvironment? environment = null) =>
        ReadinessAudit.Audit(workflow, environment ?? Configured).Traits.Single(t => t.Trait == trait);

    [Fact]
    public void Audit_CompleteDefinition_PassesAllSixTraits()
    {
        WorkflowReadiness readiness = ReadinessAudit.Audit(Workflow(), Configured);

        Assert.Equal(ReadinessOutcome.Pass, readiness.Outcome);
        Assert.Equal(ReadinessTraits.All, readiness.Traits.Select(t => t.Trait));
        Assert.All(readiness.Traits, t => Assert.Equal(ReadinessOutcome.Pass, t.Outcome));
    }

    [Fact]
    public void Trigger_RequiredInputFields_Passes()
    {
        TraitReadiness trigger = Trait(Workflow(), ReadinessTraits.Trigger);

        Assert.Equal(ReadinessOutcome.Pass, trigger.Outcome);
        Assert.Contains("http", trigger.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Trigger_InputSchemaRequiresNothing_Warns()
    {
        TraitReadiness trigger = Trait(Workflow(required: "[]"), ReadinessTraits.Trigger);

        Assert.Equal(ReadinessOutcome.Warn, trigger.Outcome);
        Assert.Equal("/inputSchema/required", trigger.Pointer);
    }

    [Fact]
    public void Trigger_NoTriggerEnabled_Fails()
    {
        TraitReadiness trigger = Trait(Workflow(), ReadinessTraits.Trigger, Configured with { Triggers = [] });

        Assert.Equal(ReadinessOutcome.Fail, trigger.Outcome);
        Assert.Contains("cannot start", trigger.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Trigger_OnlyASchedule_PassesAsATrigger()
    {
        LoadedWorkflow scheduled = Workflow(extra: """ "schedule": { "cron": "0 6 * * 1-5", "timeZone": "Europe/Berlin", "input": { "topic": "weekday" } }, """);

        TraitReadiness trigger = Trait(scheduled, ReadinessTraits.Trigger, Configured with { Triggers = [] });

        Assert.Equal((ReadinessOutcome.Pass, "/schedule"), (trigger.Outcome, trigger.Pointer));
        Assert.Contains("schedule '0 6 * * 1-5' (Europe/Berlin)", trigger.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Trigger_ScheduleBesideHttp_NamesBoth()
    {
        LoadedWorkflow scheduled = Workflow(extra: """ "schedule": { "cron": "@daily", "input": { "topic": "daily" } }, """);

        TraitReadiness trigger = Trait(scheduled, ReadinessTraits.Trigger);

        Assert.Equal(ReadinessOutcome.Pass, trigger.Outcome);
        Assert.Contains("runs start by http, schedule '@daily' (UTC)", trigger.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DefinitionOfDone_MeasuresAStepOutput_Passes()
    {
        TraitReadiness done = Trait(Workflow(), ReadinessTraits.DefinitionOfDone);

        Assert.Equal(ReadinessOutcome.Pass, done.Outcome);
        Assert.Contains("steps.draft.output.text", done.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DefinitionOfDone_OnlyChecksExistence_Warns()
    {
        string presence = """[{ "name": "drafted", "condition": { "all": [{ "path": "steps.draft.output.text", "exists": true }] } }]""";

        TraitReadiness done = Trait(Workflow(definitionOfDone: presence), ReadinessTraits.DefinitionOfDone);

        Assert.Equal(ReadinessOutcome.Warn, done.Outcome);
        Assert.Equal("/definitionOfDone/0/condition", done.Pointer);
    }

    [Fact]
    public void DefinitionOfDone_ReadsOnlyTheInput_Fails()
    {
        string inputOnly = $$"""[{{Measured[1..^1]}}, { "name": "had a topic", "condition": { "path": "input.topic", "minLength": 1 } }]""";

        TraitReadiness done = Trait(Workflow(definitionOfDone: inputOnly), ReadinessTraits.DefinitionOfDone);

        Assert.Equal(ReadinessOutcome.Fail, done.Outcome);
        Assert.Equal("/definitionOfDone/1/condition", done.Pointer);
        Assert.Equal(2, done.Findings.Count);
    }

    [Fact]
    public void DefinitionOfDone_None_Fails()
    {
        LoadedWorkflow workflow = Workflow();
        LoadedWorkflow undone = workflow with { Definition = workflow.Definition with { DefinitionOfDone = [] } };

        TraitReadiness done = Trait(undone, ReadinessTraits.DefinitionOfDone);

        Assert.Equal(ReadinessOutcome.Fail, done.Outcome);
        Assert.Equal("/definitionOfDone", done.Pointer);
    }

    const string Lookup = """{ "id": "lookup", "kind": "tool", "connection": "crm", "path": "/customers", "retry": { "maxAttempts": 2 } }""";

    [Fact]
    public void ToolAccess_NoToolStep_Passes()
    {
        Assert.Equal(ReadinessOutcome.Pass, Trait(Workflow(), ReadinessTraits.ToolAccess).Outcome);
    }

    [Fact]
    public void ToolAccess_ConfiguredConnection_Passes()
    {
        TraitReadiness tools = Trait(Workflow(steps: $"[{Lookup}, {Draft}, {Gate}]"), ReadinessTraits.ToolAccess);

        Assert.Equal(ReadinessOutcome.Pass, tools.Outcome);
        Assert.Equal("/steps/0/connection", tools.Pointer);
    }

    [Fact]
    public void ToolAccess_ConnectionNotConfigured_Fails()
    {
        TraitReadiness tools = Trait(Workflow(steps: $"[{Lookup}, {Draft}, {Gate}]"), ReadinessTraits.ToolAccess, Configured with { Connections = new Dictionary<string, ConnectionReadiness>() });

        Assert.Equal(ReadinessOutcome.Fail, tools.Outcome);
        Assert.Contains("Tools:Connections:crm", tools.Reason, StringComparison.Ordinal);
        Assert.Equal("/steps/0/connection", tools.Pointer);
    }

    [Fact]
    public void ToolAccess_HealthProbeAnswered_Passes()
    {
        var healthy = Configured with { Connections = new Dictionary<string, ConnectionReadiness> { ["crm"] = new("/health", new HealthProbe(true, "200 OK")) } };

        TraitReadiness tools = Trait(Workflow(steps: $"[{Lookup}, {Draft}, {Gate}]"), ReadinessTraits.ToolAccess, healthy);

        Assert.Equal(ReadinessOutcome.Pass, tools.Outcome);
        Assert.Contains("200 OK", tools.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ToolAccess_HealthProbeFailed_Fails()
    {
        var down = Configured with { Connections = new Dictionary<string, ConnectionReadiness> { ["crm"] = new("/health", new HealthProbe(false, "503 Service Unavailable")) } };

        TraitReadiness tools = Trait(Workflow(steps: $"[{Lookup}, {Draft}, {Gate}]"), ReadinessTraits.ToolAccess, down);

        Assert.Equal(ReadinessOutcome.Fail, tools.Outcome);
        Assert.Contains("503", tools.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ToolAccess_Offline_SaysTheProbeWasSkipped()
    {
        var offline = Configured with { Connections = new Dictionary<string, ConnectionReadiness> { ["crm"] = new("/health") }, ProbesRun = false };

        TraitReadiness tools = Trait(Workflow(steps: $"[{Lookup}, {Draft}, {Gate}]"), ReadinessTraits.ToolAccess, offline);

        Assert.Equal(ReadinessOutcome.Pass, tools.Outcome);
        Assert.Contains("not probed offline", tools.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ExceptionHandling_RetryOrOnFailure_Passes()
    {
        string failing = """{ "id": "draft", "kind": "llm", "prompt": "x", "onFailure": { "fail": "no-draft" } }""";

        TraitReadiness handling = Trait(Workflow(steps: $"[{failing}, {Gate}]"), ReadinessTraits.ExceptionHandling);

        Assert.Equal(ReadinessOutcome.Pass, handling.Outcome);
        Assert.Contains("no-draft", handling.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ExceptionHandling_StepWithoutRetryOrOnFailure_Fails()
    {
        string bare = """{ "id": "draft", "kind": "llm", "prompt": "x", "retry": { "maxAttempts": 1 } }""";

        TraitReadiness handling = Trait(Workflow(steps: $"[{bare}, {Gate}]"), ReadinessTraits.ExceptionHandling);

        Assert.Equal(ReadinessOutcome.Fail, handling.Outcome);
        Assert.Equal("/steps/0/retry", handling.Pointer);
    }

    [Fact]
    public void ExceptionHandling_ApprovalApprovesOnTimeout_Warns()
    {
        string lenient = Gate[..^1] + """, "onTimeout": "approve" }""";

        TraitReadiness handling = Trait(Workflow(steps: $"[{Draft}, {lenient}]"), ReadinessTraits.ExceptionHandling);

        Assert.Equal(ReadinessOutcome.Warn, handling.Outcome);
        Assert.Equal("/steps/1/onTimeout", handling.Pointer);
    }

    [Fact]
    public void ExceptionHandling_ModelHeavyWithoutBudgets_WarnsAndBudgetsClearIt()
    {
        string second = Draft.Replace("\"draft\"", "\"polish\"", StringComparison.Ordinal);
        string steps = $"[{Draft}, {second}, {Gate}]";

        TraitReadiness unbudgeted = Trait(Workflow(steps: steps), ReadinessTraits.ExceptionHandling);
        TraitReadiness budgeted = Trait(Workflow(steps: steps, extra: """ "budgets": { "dailyTokens": 100000 }, """), ReadinessTraits.ExceptionHandling);
        TraitReadiness costBudgeted = Trait(Workflow(steps: steps, extra: """ "budgets": { "dailyCost": 25.5 }, """), ReadinessTraits.ExceptionHandling);

        Assert.Equal(ReadinessOutcome.Warn, unbudgeted.Outcome);
        Assert.Equal("/budgets", unbudgeted.Pointer);
        Assert.Equal(ReadinessOutcome.Pass, budgeted.Outcome);
        Assert.Equal(ReadinessOutcome.Pass, costBudgeted.Outcome);
    }

    [Fact]
    public void HumanOversight_ApprovalStep_Passes()
    {
        TraitReadiness oversight = Trait(Workflow(), ReadinessTraits.HumanOversight);

        Assert.Equal(ReadinessOutcome.Pass, oversight.Outcome);
        Assert.False(oversight.Waived);
        Assert.Equal("/steps/1", oversight.Pointer);
    }

    [Fact]
    public void HumanOversight_WaivedWithAReason_PassesAsWaived()
    {
        string waiver = """ "waivers": { "humanOversight": "Drafts are reviewed in the helpdesk before sending." }, """;

        TraitReadiness oversight = Trait(Workflow(steps: $"[{Draft}]", extra: waiver), ReadinessTraits.HumanOversight);

        Assert.Equal(ReadinessOutcome.Pass, oversight.Outcome);
        Assert.True(oversight.Waived);
        Assert.Contains("reviewed in the helpdesk", oversight.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void HumanOversight_NoApprovalAndNoWaiver_Fails()
    {
        TraitReadiness oversight = Trait(Workflow(steps: $"[{Draft}]"), ReadinessTraits.HumanOversight);

        Assert.Equal(ReadinessOutcome.Fail, oversight.Outcome);
        Assert.Equal("/waivers/humanOversight", oversight.Pointer);
    }

    [Fact]
    public void HumanOversight_WaiverWithoutAReason_IsRejectedByTheSchema()
    {
        var error = Assert.Throws<WorkflowDefinitionException>(() => Workflow(steps: $"[{Draft}]", extra: """ "waivers": { "humanOversight": "" }, """));

        Assert.Contains("/waivers/humanOversight", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ownership_ConfiguredAlertChannel_Passes()
    {
        TraitReadiness ownership = Trait(Workflow(), ReadinessTraits.Ownership);

        Assert.Equal(ReadinessOutcome.Pass, ownership.Outcome);
        Assert.Contains("team-alerts", ownership.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Ownership_ContactIsNeitherAddressNorUrl_Warns()
    {
        TraitReadiness ownership = Trait(Workflow(owner: """{ "team": "Tests", "contact": "Bob", "alerts": "team-alerts" }"""), ReadinessTraits.Ownership);

        Assert.Equal(ReadinessOutcome.Warn, ownership.Outcome);
        Assert.Equal("/owner/contact", ownership.Pointer);
    }

    [Fact]
    public void Ownership_NoAlertChannel_Fails()
    {
        TraitReadiness ownership = Trait(Workflow(owner: """{ "team": "Tests", "contact": "tests@example.com" }"""), ReadinessTraits.Ownership);

        Assert.Equal(ReadinessOutcome.Fail, ownership.Outcome);
        Assert.Equal("/owner/alerts", ownership.Pointer);
    }

    [Fact]
    public void Ownership_AlertChannelNotConfigured_Fails()
    {
        TraitReadiness ownership = Trait(Workflow(owner: """{ "team": "Tests", "contact": "tests@example.com", "alerts": "elsewhere" }"""), ReadinessTraits.Ownership);

        Assert.Equal(ReadinessOutcome.Fail, ownership.Outcome);
        Assert.Contains("Approvals:Webhooks:elsewhere", ownership.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Audit_OneFailingTrait_FailsTheWorkflow()
    {
        WorkflowReadiness readiness = ReadinessAudit.Audit(Workflow(steps: $"[{Draft}]"), Configured);

        Assert.Equal(ReadinessOutcome.Fail, readiness.Outcome);
    }

    const string McpAgent = """{ "id": "helper", "kind": "agent", "instructions": "i", "prompt": "p", "retry": { "maxAttempts": 2 }, "tools": [ { "mcp": "orders" } ] }""";

    [Fact]
    public void ToolAccess_AgentNamesAnMcpServerNotConfigured_FailsNamingTheSetting()
    {
        TraitReadiness access = Trait(Workflow(steps: $"[{Draft}, {McpAgent}, {Gate}]"), ReadinessTraits.ToolAccess);

        Assert.Equal(ReadinessOutcome.Fail, access.Outcome);
        Assert.Equal("/steps/1/tools/0/mcp", access.Pointer);
        Assert.Contains("Mcp:Servers:orders:Endpoint", access.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ToolAccess_AgentNamesAConfiguredMcpServer_Passes()
    {
        ReadinessEnvironment withServer = Configured with { McpServers = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Orders" } };

        TraitReadiness access = Trait(Workflow(steps: $"[{Draft}, {McpAgent}, {Gate}]"), ReadinessTraits.ToolAccess, withServer);

        Assert.Equal(ReadinessOutcome.Pass, access.Outcome);
        Assert.Contains(access.Findings, f => f.Pointer == "/steps/1/tools/0/mcp" && f.Reason.Contains("MCP server 'orders' is configured", StringComparison.Ordinal));
    }
}
