using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Models;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Orchestration;

/// <summary>
/// The agent step on the in-process Durable host (real replay), its turns through the real turn activity and the
/// real OpenAI client against the local stub speaking tool calls; the HTTP tools are scripted.
/// </summary>
public sealed class AgentStepTests : IAsyncLifetime
{
    InterpreterHost host = null!;
    OpenAIStub stub = null!;

    public async Task InitializeAsync()
    {
        host = await InterpreterHost.StartAsync();
        stub = await OpenAIStub.StartAsync();
        host.AgentModel = StubbedAgentModel.Over(stub);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await stub.DisposeAsync();
    }

    static LoadedWorkflow Workflow(string extra = "", string refundGate = """, "approvalWhen": { "path": "args.amount", "atLeast": 100 }""") => TestDefinitions.Load(TestDefinitions.Workflow($$$"""
        [
          {
            "id": "helper",
            "kind": "agent",
            "instructions": "You help customers.",
            "prompt": "Customer {{input.topic}} asks for a refund.",
            {{{extra}}}
            "tools": [
              {
                "name": "lookup_customer",
                "description": "Fetch a customer",
                "parameters": { "type": "object", "required": ["customerId"], "properties": { "customerId": { "type": "string" } } },
                "connection": "crm",
                "path": "/customers/{{args.customerId}}"
              },
              {
                "name": "issue_refund",
                "description": "Refund a customer",
                "parameters": { "type": "object", "required": ["customerId", "amount"], "properties": { "customerId": { "type": "string" }, "amount": { "type": "number" } } },
                "connection": "billing",
                "method": "POST",
                "path": "/refunds",
                "body": { "customerId": "{{args.customerId}}", "amount": "{{args.amount}}" }{{{refundGate}}},
                "approval": { "criteria": ["Due"], "escalation": [{ "name": "lead", "approvers": ["lead@example.com"], "timeout": "PT1H" }], "onTimeout": "reject" }
              }
            ]
          }
        ]
        """, name: "agent-test"));

    static StepRecord AgentRecord(OrchestrationMetadata run) =>
        run.ReadOutputAs<WorkflowRunResult>()!.Steps.Single(s => s.StepId == "helper");

    [Fact]
    public async Task Agent_ModelCallsTwoToolsThenAnswers_EachCallRunsOnceAndTheTimelineShowsEveryTurn()
    {
        stub.Enqueue(
            OpenAIStub.Reply.ToolCall("call_a", "lookup_customer", """{ "customerId": "c42" }"""),
            OpenAIStub.Reply.ToolCall("call_b", "issue_refund", """{ "customerId": "c42", "amount": 40 }"""),
            OpenAIStub.Reply.Completion("Refunded 40 to you, c42.", promptTokens: 50, completionTokens: 9));
        host.Tool = request => new StepOutcome { Status = request.Method == "POST" ? 201 : 200, Output = new JsonObject { ["path"] = request.Path } };

        OrchestrationMetadata run = await host.RunToCompletionAsync(TestDefinitions.Request(Workflow()));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        WorkflowRunResult result = run.ReadOutputAs<WorkflowRunResult>()!;
        Assert.Equal("Refunded 40 to you, c42.", result.Outputs["helper"]!["text"]!.GetValue<string>());

        // The orchestrator replayed after every activity; each tool call still ran exactly once.
        Assert.Equal(["GET /customers/c42", "POST /refunds"], host.ToolCalls.Select(c => $"{c.Method} {c.Path}"));
        Assert.Equal("""{"customerId":"c42","amount":40}""", host.ToolCalls.Last().Body!.ToJsonString());
        Assert.Equal(3, host.AgentTurns.Count);
        Assert.Equal(3, stub.Requests.Count);
        Assert.Equal(["call_a", "call_b"], stub.ToolResultsSent().Keys);
        Assert.Contains("/refunds", stub.ToolResultsSent()["call_b"], StringComparison.Ordinal);
        Assert.Equal(2, stub.Requests.First().Body["tools"]!.AsArray().Count);

        StepRecord record = AgentRecord(run);
        Assert.Equal(StepKinds.Agent, record.Kind);
        Assert.Equal([1, 2, 3], record.Turns!.Select(t => t.Turn));
        Assert.Equal(["lookup_customer", "issue_refund"], record.Turns!.SelectMany(t => t.ToolCalls).Select(c => c.Tool));
        Assert.All(record.Turns!.SelectMany(t => t.ToolCalls), c => Assert.Equal(ToolCallStatuses.Succeeded, c.Status));
        Assert.Equal(30 + 30 + 50, record.Tokens!.Prompt);
        Assert.Equal(10 + 10 + 9, record.Tokens.Completion);
        Assert.Equal((110 * 1m + 29 * 2m) / 1000, record.Cost); // every turn priced (Model:Pricing), summed on the step
        Assert.Contains("\"amount\":40", record.Turns![1].ToolCalls[0].Arguments, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_ToolFails_TheErrorGoesBackToTheModelWhichCarriesOn()
    {
        stub.Enqueue(
            OpenAIStub.Reply.ToolCall("call_a", "lookup_customer", """{ "customerId": "missing1" }"""),
            OpenAIStub.Reply.Completion("I could not find your account."));
        host.Tool = _ => StepOutcome.Failure(FailureReasons.ToolError, "GET /customers/missing1 returned 404 Not Found", retryable: false) with { Status = 404 };

        OrchestrationMetadata run = await host.RunToCompletionAsync(TestDefinitions.Request(Workflow()));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        Assert.Contains("error (tool-error)", stub.ToolResultsSent()["call_a"], StringComparison.Ordinal);
        AgentToolCallRecord call = Assert.Single(AgentRecord(run).Turns!.SelectMany(t => t.ToolCalls));
        Assert.Equal((ToolCallStatuses.Failed, 404), (call.Status, call.HttpStatus));
    }

    [Fact]
    public async Task Agent_ModelKeepsCallingTools_FailsWithMaxTurnsReachedNamingTheStep()
    {
        stub.Enqueue(OpenAIStub.Reply.ToolCall("call_again", "lookup_customer", """{ "customerId": "c1" }"""));

        OrchestrationMetadata run = await host.RunToCompletionAsync(TestDefinitions.Request(Workflow(extra: "\"maxTurns\": 2,")));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, run.RuntimeStatus);
        RunFailure failure = run.ReadCustomStatusAs<RunStatus>()!.Failure!;
        Assert.Equal(("helper", FailureReasons.MaxTurnsReached), (failure.StepId, failure.Reason));
        Assert.Contains("after 2 turns", failure.Message, StringComparison.Ordinal);
        Assert.Contains("lookup_customer", failure.Message, StringComparison.Ordinal);
        Assert.Equal(2, host.ToolCalls.Count);
    }

    [Fact]
    public async Task Agent_TokenBudgetSpent_FailsBeforeTheNextTurnNamingIt()
    {
        stub.Enqueue(OpenAIStub.Reply.ToolCalls(1400, 50, ("call_a", "lookup_customer", """{ "customerId": "c1" }""")));

        OrchestrationMetadata run = await host.RunToCompletionAsync(TestDefinitions.Request(Workflow(extra: "\"tokenBudget\": 1500, \"maxTokens\": 100,")));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, run.RuntimeStatus);
        RunFailure failure = run.ReadCustomStatusAs<RunStatus>()!.Failure!;
        Assert.Equal(FailureReasons.BudgetExceeded, failure.Reason);
        Assert.Contains("turn 2", failure.Message, StringComparison.Ordinal);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task Agent_GatedToolApproved_RunsWithTheApprovedArgumentsAfterTheGate()
    {
        stub.Enqueue(
            OpenAIStub.Reply.ToolCall("call_r", "issue_refund", """{ "customerId": "c7", "amount": 250 }"""),
            OpenAIStub.Reply.Completion("Your refund of 250 is on its way."));
        host.Tool = _ => new StepOutcome { Status = 201, Output = new JsonObject { ["refundId"] = "rf-1" } };
        string id = await host.StartAsync(TestDefinitions.Request(Workflow()));

        OpenGate gate = (await host.WaitForStatusAsync(id, s => s.Gate is not null)).Gate!;
        Assert.Equal("helper.issue_refund-1", gate.GateId);
        Assert.Empty(host.ToolCalls);
        Assert.Equal("issue_refund", gate.Snapshot!["tool"]!.GetValue<string>());
        Assert.Equal(250, gate.Snapshot["arguments"]!["amount"]!.GetValue<int>());
        Assert.Contains("asks for a refund", gate.Snapshot["conversation"]!.ToJsonString(), StringComparison.Ordinal);
        await host.Client.RaiseEventAsync(id, ApprovalEvents.ForGate(gate.GateId), OpenGateDecisions.Decide(Decisions.Approve, gate, "ok"));
        OrchestrationMetadata run = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        ToolStepRequest refund = Assert.Single(host.ToolCalls);
        Assert.Equal(250, refund.Body!["amount"]!.GetValue<int>());
        WorkflowRunResult result = run.ReadOutputAs<WorkflowRunResult>()!;
        StepRecord gateRecord = Assert.Single(result.Steps, s => s.StepId == "helper.issue_refund");
        Assert.Equal((Decisions.Approve, "lead@example.com"), (gateRecord.Approval!.Decision, gateRecord.Approval.DecidedBy));
        Assert.Equal(gate.GateId, AgentRecord(run).Turns![0].ToolCalls[0].GateId);
    }

    [Fact]
    public async Task Agent_GatedToolRejected_TheRefusalIsTheToolResultAndTheToolNeverRuns()
    {
        stub.Enqueue(
            OpenAIStub.Reply.ToolCall("call_r", "issue_refund", """{ "customerId": "c7", "amount": 250 }"""),
            OpenAIStub.Reply.Completion("A colleague will look at your refund."));
        string id = await host.StartAsync(TestDefinitions.Request(Workflow()));

        OpenGate gate = (await host.WaitForStatusAsync(id, s => s.Gate is not null)).Gate!;
        await host.Client.RaiseEventAsync(id, ApprovalEvents.ForGate(gate.GateId), OpenGateDecisions.Decide(Decisions.Reject, gate, "over policy"));
        OrchestrationMetadata run = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        Assert.Empty(host.ToolCalls);
        string result = stub.ToolResultsSent()["call_r"];
        Assert.Contains("refused", result, StringComparison.Ordinal);
        Assert.Contains("over policy", result, StringComparison.Ordinal);
        AgentToolCallRecord call = AgentRecord(run).Turns![0].ToolCalls[0];
        Assert.Equal(ToolCallStatuses.Refused, call.Status);
    }

    [Fact]
    public async Task Agent_SmallAmountUnderTheRule_RunsWithoutAGate()
    {
        stub.Enqueue(
            OpenAIStub.Reply.ToolCall("call_r", "issue_refund", """{ "customerId": "c7", "amount": 20 }"""),
            OpenAIStub.Reply.Completion("Refunded."));

        OrchestrationMetadata run = await host.RunToCompletionAsync(TestDefinitions.Request(Workflow()));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        Assert.Single(host.ToolCalls);
        Assert.Empty(host.Notices);
    }

    [Fact]
    public async Task Agent_ArgumentsNotMatchingTheSchema_AreRefusedToTheModelWithoutACall()
    {
        stub.Enqueue(
            OpenAIStub.Reply.ToolCall("call_bad", "lookup_customer", """{ "id": 5 }"""),
            OpenAIStub.Reply.Completion("Sorry."));

        OrchestrationMetadata run = await host.RunToCompletionAsync(TestDefinitions.Request(Workflow()));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        Assert.Empty(host.ToolCalls);
        Assert.Contains("customerId", stub.ToolResultsSent()["call_bad"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_OfflineModel_SupportAgentSampleLooksUpGatesTheRefundAndAnswers()
    {
        host.AgentModel = ModelPipeline.Build(new OfflineChatClient(), new ModelOptions());
        LoadedWorkflow sample = DefinitionLoader.LoadDirectory(RepoPaths.Workflows).Find("support-agent")!;
        host.Tool = request => request.Method == "POST"
            ? new StepOutcome { Status = 201, Output = new JsonObject { ["refundId"] = "rf-9", ["status"] = "issued" } }
            : new StepOutcome { Status = 200, Output = new JsonObject { ["id"] = "acme7", ["plan"] = "team" } };
        string id = await host.StartAsync(TestDefinitions.Request(sample, """{ "ticketId": "T-1", "customerId": "acme7", "amount": 180, "message": "I was charged twice." }"""));

        RunStatus waiting = await host.WaitForStatusAsync(id, s => s.Gate is not null || s.State is RunStates.Failed or RunStates.Completed);
        OpenGate gate = waiting.Gate ?? throw new Xunit.Sdk.XunitException($"no gate opened: {waiting.State} {waiting.Failure}");
        Assert.Equal("agent.issue_refund-1", gate.GateId);
        Assert.Equal(180, gate.Snapshot?["arguments"]?["amount"]?.GetValue<double>() ?? host.StoredSnapshots[(id, gate.GateId)]["arguments"]!["amount"]!.GetValue<double>());
        await host.Client.RaiseEventAsync(id, ApprovalEvents.ForGate(gate.GateId), OpenGateDecisions.Decide(Decisions.Approve, gate, "due"));
        OrchestrationMetadata run = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        WorkflowRunResult result = run.ReadOutputAs<WorkflowRunResult>()!;
        Assert.Equal(RunOutcomes.Succeeded, result.Outcome);
        Assert.Equal(["GET /customers/acme7", "POST /refunds"], host.ToolCalls.Select(c => $"{c.Method} {c.Path}"));
        Assert.StartsWith(OfflineChatClient.Marker, result.Outputs["agent"]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_GraderRejectsEveryAnswer_FailsWithOutputInvalid_TheFeedbackReachedTheModelAndGraderTokensCount()
    {
        stub.Enqueue(
            OpenAIStub.Reply.Completion("Your refund is done.", promptTokens: 40, completionTokens: 8),
            OpenAIStub.Reply.Completion("""{ "pass": false, "feedback": "name the order" }""", promptTokens: 20, completionTokens: 5),
            OpenAIStub.Reply.Completion("Refund done.", promptTokens: 50, completionTokens: 6),
            OpenAIStub.Reply.Completion("""{ "pass": false, "feedback": "still no order number" }""", promptTokens: 20, completionTokens: 5));
        const string Validation = """ "validation": { "maxAttempts": 2, "rubric": { "prompt": "Does the answer name the order?" } }, """;

        OrchestrationMetadata run = await host.RunToCompletionAsync(TestDefinitions.Request(Workflow(extra: Validation)));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, run.RuntimeStatus);
        RunStatus status = run.ReadCustomStatusAs<RunStatus>()!;
        Assert.Equal(("helper", FailureReasons.OutputInvalid), (status.Failure!.StepId, status.Failure.Reason));
        Assert.Contains("turn 2: still no order number", status.Failure.Message, StringComparison.Ordinal);

        // Answer, grade, answer again with the grader's feedback, grade: the grader is the llm steps' own.
        (string Path, JsonObject Body)[] requests = [.. stub.Requests];
        Assert.Equal(4, requests.Length);
        Assert.Contains("You grade answers", requests[1].Body["messages"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("Does the answer name the order?", requests[1].Body["messages"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("Your answer was rejected: name the order", requests[2].Body["messages"]!.ToJsonString(), StringComparison.Ordinal);
        StepRecord record = status.Timeline!.Single(s => s.StepId == "helper");
        Assert.Equal((40 + 20 + 50 + 20, 8 + 5 + 6 + 5), (record.Tokens!.Prompt, record.Tokens.Completion));
    }

    [Fact]
    public async Task Agent_GraderPassesTheSecondAnswer_ThatAnswerIsTheOutput()
    {
        stub.Enqueue(
            OpenAIStub.Reply.Completion("Your refund is done."),
            OpenAIStub.Reply.Completion("""{ "pass": false, "feedback": "name the order" }"""),
            OpenAIStub.Reply.Completion("Refund for order 7 is done."),
            OpenAIStub.Reply.Completion("""{ "pass": true }"""));

        OrchestrationMetadata run = await host.RunToCompletionAsync(TestDefinitions.Request(Workflow(
            extra: """ "validation": { "maxAttempts": 2, "rubric": { "prompt": "Does the answer name the order?" } }, """)));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        Assert.Equal("Refund for order 7 is done.", run.ReadOutputAs<WorkflowRunResult>()!.Outputs["helper"]!["text"]!.GetValue<string>());
        Assert.Equal(2, AgentRecord(run).Turns!.Count);
    }
}
