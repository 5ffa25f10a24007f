using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Models;
using StreamCanvas.Api;
using StreamCanvas.Definitions;
using StreamCanvas.Functions;
using StreamCanvas.Orchestration;
using StreamCanvas.Starts;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Functions;

/// <summary>The Functions adapters, called as the host would, with a Moq'd DurableTaskClient and FunctionContext.</summary>
public sealed class WorkflowFunctionsTests
{
    static readonly WorkflowCatalog Catalog = DefinitionLoader.LoadDirectory(RepoPaths.Workflows);
    readonly Mock<DurableTaskClient> client = new("test");
    readonly Mock<FunctionContext> context = new();
    static readonly RunStarter Starter = new(Catalog, new GrantingStartClaims(), NullLogger<RunStarter>.Instance);
    readonly WorkflowHttpFunctions functions = new(new StartRunHandler(Starter), new RunsHandler(Starter, UnreachableSnapshots, UnreachableDecisions), new WorkflowsHandler(Catalog), new SampleCms());

    // No test here reaches stored approval records; one that did would fail on the closed port rather than pass silently.
    static readonly ApprovalSnapshotStore UnreachableSnapshots = new(new Azure.Storage.Blobs.BlobContainerClient(new Uri("http://127.0.0.1:9/devstoreaccount1/none")));
    static readonly ApprovalDecisionStore UnreachableDecisions = new(new Azure.Data.Tables.TableClient(new Uri("http://127.0.0.1:9/devstoreaccount1"), "none", new Azure.Data.Tables.TableSharedKeyCredential("devstoreaccount1", Convert.ToBase64String(new byte[8]))));

    public WorkflowFunctionsTests() => context.SetupGet(c => c.CancellationToken).Returns(CancellationToken.None);

    [Fact]
    public async Task StartRun_ValidRequest_SchedulesTheWorkflowOrchestrator()
    {
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync("support-triage:abc");
        var http = ResultExecutor.NewContext(body: """{ "ticketId": "1", "customerId": "c1", "subject": "s", "body": "b" }""");

        var result = await functions.StartRun(http.Request, "support-triage", client.Object, context.Object);
        var (status, _, body) = await ResultExecutor.ExecuteAsync(result, http);

        Assert.Equal(202, status);
        Assert.Equal("support-triage:abc", body!["instanceId"]!.GetValue<string>());
        client.Verify(c => c.ScheduleNewOrchestrationInstanceAsync(nameof(WorkflowOrchestrator), It.IsAny<WorkflowRunRequest>(), It.IsAny<StartOrchestrationOptions>(), It.IsAny<CancellationToken>()));
    }

    [Fact]
    public async Task GetRun_UnknownId_Returns404ProblemJson()
    {
        client.Setup(c => c.GetInstanceAsync("wf:nope", true, It.IsAny<CancellationToken>())).ReturnsAsync((OrchestrationMetadata?)null);
        var http = ResultExecutor.NewContext("GET");

        var (status, headers, body) = await ResultExecutor.ExecuteAsync(await functions.GetRun(http.Request, "wf:nope", client.Object, context.Object), http);

        Assert.Equal(404, status);
        Assert.Equal("application/problem+json", headers.ContentType.ToString());
        Assert.Equal(404, body!["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task GetRun_FailedRun_ReportsTheFailingStepAndReason()
    {
        var failed = new OrchestrationMetadata(nameof(WorkflowOrchestrator), "support-triage:f1")
        {
            RuntimeStatus = OrchestrationRuntimeStatus.Failed,
            SerializedCustomStatus = Microsoft.DurableTask.Converters.JsonDataConverter.Default.Serialize(new RunStatus
            {
                Workflow = "support-triage", Version = "1.0.0", State = RunStates.Failed, CurrentStep = "classify",
                Failure = new RunFailure("classify", FailureReasons.ModelError, "model returned HTTP 500"),
            }),
            DataConverter = Microsoft.DurableTask.Converters.JsonDataConverter.Default,
        };
        client.Setup(c => c.GetInstanceAsync(failed.InstanceId, true, It.IsAny<CancellationToken>())).ReturnsAsync(failed);
        var http = ResultExecutor.NewContext("GET");

        var (status, _, body) = await ResultExecutor.ExecuteAsync(await functions.GetRun(http.Request, failed.InstanceId, client.Object, context.Object), http);

        Assert.Equal(200, status);
        Assert.Equal("failed", body!["outcome"]!.GetValue<string>());
        Assert.Equal("classify", body["failure"]!["stepId"]!.GetValue<string>());
        Assert.Equal("model-error", body["failure"]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task TerminateRun_CompletedRun_Returns409()
    {
        client.Setup(c => c.GetInstanceAsync("wf:done", false, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new OrchestrationMetadata(nameof(WorkflowOrchestrator), "wf:done") { RuntimeStatus = OrchestrationRuntimeStatus.Completed });
        var http = ResultExecutor.NewContext();

        var (status, _, _) = await ResultExecutor.ExecuteAsync(await functions.TerminateRun(http.Request, "wf:done", client.Object, context.Object), http);

        Assert.Equal(409, status);
        client.Verify(c => c.TerminateInstanceAsync(It.IsAny<string>(), It.IsAny<TerminateInstanceOptions?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    static readonly ModelPricing Pricing = new(Microsoft.Extensions.Options.Options.Create(new ModelOptions()));

    [Fact]
    public async Task RunLlmStep_ActivityTrigger_RunsTheSharedActivity()
    {
        var durable = new WorkflowDurableFunctions(
            new LlmStepActivity(new OfflineChatClient(), new DailyBudget(Mock.Of<ITokenLedger>(), Pricing, TimeProvider.System, NullLogger<DailyBudget>.Instance), NullLogger<LlmStepActivity>.Instance), null!, null!, null!, null!, null!, null!, null!, null!, null!, null!, null!, null!);
        var request = new LlmStepRequest(new StepIdentity("i", "wf", "s", 1), "hello", null, null, null, null, LlmOutputFormats.Text, null);

        StepOutcome outcome = await durable.RunLlmStep(request, context.Object);

        Assert.StartsWith(OfflineChatClient.Marker, outcome.Output!["text"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadSchedule_ActivityTrigger_AnswersTheDeployedScheduleOrNone()
    {
        LoadedWorkflow scheduled = TestDefinitions.Load(TestDefinitions.Scheduled("""{ "cron": "@hourly" }""", name: "hourly-flow"));
        var durable = new WorkflowDurableFunctions(null!, null!, null!, null!, null!, null!, null!, null!, null!, null!, null!,
            new StreamCanvas.Schedules.ReadScheduleActivity(new WorkflowCatalog([scheduled]), Microsoft.Extensions.Options.Options.Create(new StreamCanvas.Schedules.ScheduleOptions())), null!);

        StreamCanvas.Schedules.ScheduleReading found = await durable.ReadSchedule(new StreamCanvas.Schedules.ScheduleRequest("hourly-flow"), context.Object);
        StreamCanvas.Schedules.ScheduleReading gone = await durable.ReadSchedule(new StreamCanvas.Schedules.ScheduleRequest("ghost-flow"), context.Object);

        Assert.Equal("@hourly", found.Schedule!.Cron);
        Assert.Null(gone.Schedule);
    }

    [Fact]
    public async Task ResolveWorkflow_ActivityTrigger_AnswersFromTheCatalog()
    {
        LoadedWorkflow child = TestDefinitions.Load(TestDefinitions.Workflow("""[ { "id": "a", "kind": "llm", "prompt": "p" } ]""", name: "child-flow"));
        var durable = new WorkflowDurableFunctions(null!, null!, null!, null!, null!, null!, new ResolveWorkflowActivity(new WorkflowCatalog([child])), null!, null!, null!, null!, null!, null!);

        ResolvedWorkflow found = await durable.ResolveWorkflow(new ResolveWorkflowRequest("child-flow", new System.Text.Json.Nodes.JsonObject { ["topic"] = "t" }), context.Object);
        ResolvedWorkflow missing = await durable.ResolveWorkflow(new ResolveWorkflowRequest("ghost-flow", []), context.Object);

        Assert.Equal(child.ContentHash, found.DefinitionHash);
        Assert.Equal("no workflow named 'ghost-flow' is deployed", missing.Error);
    }
}
