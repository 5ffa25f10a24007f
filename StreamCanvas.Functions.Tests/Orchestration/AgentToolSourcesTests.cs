using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Mcp;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Orchestration;

/// <summary>
/// An agent's tools that are other workflows (real child runs on the in-process Durable host) and the tools of an
/// MCP server (a real server on a loopback port, reached through the real list and call activities), with the
/// model played by the OpenAI stub speaking tool calls.
/// </summary>
public sealed class AgentToolSourcesTests : IAsyncLifetime
{
    InterpreterHost host = null!;
    OpenAIStub stub = null!;
    McpTestServer mcp = null!;

    public async Task InitializeAsync()
    {
        host = await InterpreterHost.StartAsync();
        stub = await OpenAIStub.StartAsync();
        mcp = await McpTestServer.StartAsync();
        host.AgentModel = StubbedAgentModel.Over(stub);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await stub.DisposeAsync();
        await mcp.DisposeAsync();
    }

    /// <summary>The child: looks the topic up over a (scripted) connection; its output is the lookup's answer.</summary>
    static readonly LoadedWorkflow Research = TestDefinitions.Load(TestDefinitions.Workflow("""
        [ { "id": "lookup", "kind": "tool", "connection": "kb", "path": "/articles/{{input.topic}}" } ]
        """, name: "research-topic").Replace("test workflow", "Researches a topic in the knowledge base.", StringComparison.Ordinal));

    static LoadedWorkflow Agent(string tools, string extra = "") => TestDefinitions.Load(TestDefinitions.Workflow($$$"""
        [
          {
            "id": "helper",
            "kind": "agent",
            "instructions": "You help.",
            "prompt": "Help with {{input.topic}}.",
            {{{extra}}}
            "tools": {{{tools}}}
          }
        ]
        """, name: "agent-tools"));

    const string Gate = """, "requiresApproval": true, "approval": { "escalation": [{ "name": "lead", "approvers": ["lead@example.com"], "timeout": "PT1H" }] }""";

    static StepRecord AgentRecord(OrchestrationMetadata run) =>
        run.ReadOutputAs<WorkflowRunResult>()!.Steps.Single(s => s.StepId == "helper");

    /// <summary>The functions the model was offered in its first turn, by name.</summary>
    Dictionary<string, JsonObject> ToolsOffered() =>
        stub.Requests.First().Body["tools"]!.AsArray().ToDictionary(t => t!["function"]!["name"]!.GetValue<string>(), t => t!["function"]!.AsObject());

    /// <summary>The servers as configuration names them (Mcp__Servers__orders__Endpoint, ...), bound as the hosts bind them.</summary>
    McpOptions Configured(string apiKey = McpTestServer.ApiKey) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mcp:Servers:orders:Endpoint"] = mcp.Endpoint,
            ["Mcp:Servers:orders:ApiKey"] = apiKey,
        }).Build().GetSection(McpOptions.Section).Get<McpOptions>()!;

    [Fact]
    public async Task Agent_CallsAWorkflowTool_TheChildRunCompletesAndItsOutputsAreTheToolResult()
    {
        LoadedWorkflow parent = Agent("""[ { "name": "research", "workflow": "research-topic" } ]""");
        host.Catalog = new WorkflowCatalog([Research, parent]);
        host.Tool = request => new StepOutcome { Status = 200, Output = new JsonObject { ["article"] = $"all about {request.Path}" } };
        stub.Enqueue(
            OpenAIStub.Reply.ToolCall("call_w", "research", """{ "topic": "sagas" }"""),
            OpenAIStub.Reply.Completion("Sagas are covered."));

        OrchestrationMetadata run = await host.RunToCompletionAsync(TestDefinitions.Request(parent));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        JsonObject offered = ToolsOffered()["research"];
        Assert.Equal("Researches a topic in the knowledge base. Owner: Tests (tests@example.com).", offered["description"]!.GetValue<string>());
        Assert.Equal("number", offered["parameters"]!["properties"]!["score"]!["type"]!.GetValue<string>());

        AgentToolCallRecord call = Assert.Single(AgentRecord(run).Turns!.SelectMany(t => t.ToolCalls));
        Assert.Equal(ToolCallStatuses.Succeeded, call.Status);
        string childId = call.ChildInstanceId!;
        Assert.StartsWith("research-topic:", childId, StringComparison.Ordinal);
        OrchestrationMetadata child = (await host.Client.GetInstanceAsync(childId, getInputsAndOutputs: true))!;
        Assert.Equal(OrchestrationRuntimeStatus.Completed, child.RuntimeStatus);
        WorkflowRunRequest childRequest = child.ReadInputAs<WorkflowRunRequest>()!;
        Assert.Equal((run.InstanceId, Research.ContentHash, "sagas"), (childRequest.ParentInstanceId, childRequest.DefinitionHash, childRequest.Input["topic"]!.GetValue<string>()));

        JsonObject result = JsonNode.Parse(stub.ToolResultsSent()["call_w"])!.AsObject();
        Assert.Equal((childId, "succeeded"), (result["instanceId"]!.GetValue<string>(), result["outcome"]!.GetValue<string>()));
        Assert.Equal("all about /articles/sagas", result["outputs"]!["lookup"]!["article"]!.GetValue<string>());
        Assert.Single(host.ToolCalls);
    }

    [Fact]
    public async Task Agent_WorkflowToolChildFails_TheFailureReasonIsTheToolResultAndTheAgentCarriesOn()
    {
        LoadedWorkflow parent = Agent("""[ { "name": "research", "workflow": "research-topic" } ]""");
        host.Catalog = new WorkflowCatalog([Research, parent]);
        host.Tool = _ => StepOutcome.Failure(FailureReasons.ToolError, "GET /articles/x returned 503", retryable: false);
        stub.Enqueue(
            OpenAIStub.Reply.ToolCall("call_w", "research", """{ "topic": "x" }"""),
            OpenAIStub.Reply.Completion("The knowledge base is down."));

        OrchestrationMetadata run = await host.RunToCompletionAsync(TestDefinitions.Request(parent));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        string result = stub.ToolResultsSent()["call_w"];
        Assert.StartsWith("error (tool-error): workflow 'research-topic' run 'research-topic:", result, StringComparison.Ordinal);
        Assert.Contains("failed at step 'lookup'", result, StringComparison.Ordinal);
        Assert.Equal(ToolCallStatuses.Failed, AgentRecord(run).Turns![0].ToolCalls[0].Status);
    }

    [Fact]
    public async Task Agent_GatedWorkflowToolRejected_NoChildRunStartsAndTheModelIsToldTheRefusal()
    {
        LoadedWorkflow parent = Agent($$"""[ { "name": "research", "workflow": "research-topic"{{Gate}} } ]""");
        host.Catalog = new WorkflowCatalog([Research, parent]);
        stub.Enqueue(
            OpenAIStub.Reply.ToolCall("call_w", "research", """{ "topic": "secrets" }"""),
            OpenAIStub.Reply.Completion("I may not research that."));
        string id = await host.StartAsync(TestDefinitions.Request(parent));

        OpenGate gate = (await host.WaitForStatusAsync(id, s => s.Gate is not null)).Gate!;
        Assert.Equal("helper.research-1", gate.GateId);
        Assert.Equal("secrets", gate.Snapshot!["arguments"]!["topic"]!.GetValue<string>());
        await host.Client.RaiseEventAsync(id, ApprovalEvents.ForGate(gate.GateId), OpenGateDecisions.Decide(Decisions.Reject, gate, "not our business"));
        OrchestrationMetadata run = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        Assert.Contains("not our business", stub.ToolResultsSent()["call_w"], StringComparison.Ordinal);
        AgentToolCallRecord call = AgentRecord(run).Turns![0].ToolCalls[0];
        Assert.Equal(ToolCallStatuses.Refused, call.Status);
        Assert.Null(call.ChildInstanceId);
        Assert.Empty(host.ToolCalls);
        Assert.Null(await host.Client.GetInstanceAsync(RunIds.ForChild("research-topic", id, "helper/research/1", 1)));
    }

    [Fact]
    public async Task Agent_McpServerFromConfiguration_ItsToolsAreListedAndCalled_ToolErrorsGoBackToTheModel()
    {
        host.Mcp = Configured();
        LoadedWorkflow agent = Agent("""[ { "mcp": "orders" } ]""");
        stub.Enqueue(
            OpenAIStub.Reply.ToolCalls(30, 10, ("call_l", "lookup_order", """{ "orderId": "o-1" }"""), ("call_c", "cancel_order", """{ "orderId": "o-1" }""")),
            OpenAIStub.Reply.ToolCall("call_a", "archive_order", """{ "orderId": "o-1" }"""),
            OpenAIStub.Reply.Completion("Order o-1 has shipped; it can no longer be cancelled."));

        OrchestrationMetadata run = await host.RunToCompletionAsync(TestDefinitions.Request(agent));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        Dictionary<string, JsonObject> offered = ToolsOffered();
        Assert.Equal(["lookup_order", "cancel_order", "archive_order"], offered.Keys);
        Assert.Equal("Find an order and its shipping status.", offered["lookup_order"]["description"]!.GetValue<string>());
        Assert.Equal(["orderId"], offered["lookup_order"]["parameters"]!["required"]!.AsArray().Select(r => r!.GetValue<string>()));

        // Each call reached the server once, though the orchestrator replayed after every one.
        Assert.Equal(["lookup_order", "cancel_order", "archive_order"], mcp.Calls.Select(c => c.Tool));
        Assert.All(mcp.Calls, c => Assert.Equal("o-1", c.Arguments["orderId"]!.GetValue<string>()));
        Dictionary<string, string> results = stub.ToolResultsSent();
        Assert.Equal("shipped", JsonNode.Parse(results["call_l"])!["status"]!.GetValue<string>());
        Assert.StartsWith("error (tool-error):", results["call_c"], StringComparison.Ordinal);
        Assert.Contains("has shipped and cannot be cancelled", results["call_c"], StringComparison.Ordinal);
        Assert.StartsWith("error (tool-error):", results["call_a"], StringComparison.Ordinal);
        Assert.Contains("archiving is switched off", results["call_a"], StringComparison.Ordinal);
        Assert.Equal(
            [ToolCallStatuses.Succeeded, ToolCallStatuses.Failed, ToolCallStatuses.Failed],
            AgentRecord(run).Turns!.SelectMany(t => t.ToolCalls).Select(c => c.Status));
        Assert.Equal(0, mcp.Refused);
    }

    [Fact]
    public async Task Agent_McpIncludeAndGate_OnlyTheNamedToolsAreOfferedAndAGatedCallWaitsForAPerson()
    {
        host.Mcp = Configured();
        LoadedWorkflow agent = Agent($$"""[ { "mcp": "orders", "include": ["cancel_order", "lookup_order"]{{Gate}} } ]""");
        stub.Enqueue(
            OpenAIStub.Reply.ToolCall("call_c", "cancel_order", """{ "orderId": "o-2" }"""),
            OpenAIStub.Reply.Completion("A colleague said no."));
        string id = await host.StartAsync(TestDefinitions.Request(agent));

        OpenGate gate = (await host.WaitForStatusAsync(id, s => s.Gate is not null)).Gate!;
        Assert.Equal("helper.orders.cancel_order-1", gate.GateId);
        await host.Client.RaiseEventAsync(id, ApprovalEvents.ForGate(gate.GateId), OpenGateDecisions.Decide(Decisions.Reject, gate, "keep it"));
        OrchestrationMetadata run = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        Assert.Equal(["cancel_order", "lookup_order"], ToolsOffered().Keys);
        Assert.Empty(mcp.Calls);
        Assert.Contains("keep it", stub.ToolResultsSent()["call_c"], StringComparison.Ordinal);
        Assert.NotNull(run.ReadInputAs<WorkflowRunRequest>()!.Definition.FindApprovalStep("helper.orders.cancel_order"));
    }

    [Fact]
    public async Task Agent_McpServerRefusesTheKey_TheListingFailsTheStepWithToolUnavailableAfterItsRetries()
    {
        host.Mcp = Configured(apiKey: "wrong-key");
        LoadedWorkflow agent = Agent("""[ { "mcp": "orders" } ]""", extra: """ "retry": { "maxAttempts": 2, "firstDelaySeconds": 1 }, """);

        OrchestrationMetadata run = await host.RunToCompletionAsync(TestDefinitions.Request(agent));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, run.RuntimeStatus);
        RunFailure failure = run.ReadCustomStatusAs<RunStatus>()!.Failure!;
        Assert.Equal(("helper", FailureReasons.ToolUnavailable), (failure.StepId, failure.Reason));
        Assert.Contains("MCP server 'orders' could not be reached", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-key", failure.Message, StringComparison.Ordinal);
        Assert.True(mcp.Refused >= 2, $"the listing was tried {mcp.Refused} time(s)");
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task Agent_McpServerNotConfigured_FailsTheStepWithToolNotAllowedNamingTheSetting()
    {
        LoadedWorkflow agent = Agent("""[ { "mcp": "orders" } ]""");

        OrchestrationMetadata run = await host.RunToCompletionAsync(TestDefinitions.Request(agent));

        RunFailure failure = run.ReadCustomStatusAs<RunStatus>()!.Failure!;
        Assert.Equal(FailureReasons.ToolNotAllowed, failure.Reason);
        Assert.Contains("Mcp:Servers:orders:Endpoint", failure.Message, StringComparison.Ordinal);
    }
}
