using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Api;
using StreamCanvas.Approvals;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Approvals;

/// <summary>
/// The decision webhook (its handler and the decider) with a mocked Durable client (the run and its open gate) and the real
/// decision table on the shared Azurite, so the atomic claim is the real one.
/// </summary>
public sealed class ApprovalDeciderTests : IAsyncLifetime
{
    static readonly JsonObject Snapshot = new() { ["input.topic"] = "durable", ["steps.draft.output.text"] = "Draft one." };
    static readonly string Hash = ApprovalSnapshot.Hash(Snapshot);
    const string ExecutionId = "execution-1";

    readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    readonly string instanceId = "test-flow:" + Guid.NewGuid().ToString("N");
    readonly ConcurrentQueue<(string EventName, ApprovalDecision Decision)> raised = new();
    readonly Mock<DurableTaskClient> client = new("test") { CallBase = true };
    readonly ApprovalOptions approvalOptions = new() { SigningKey = "handler-test-key" };
    ApprovalTokens tokens = null!;
    DecideApprovalHandler handler = null!;
    ListApprovalsHandler list = null!;
    ApprovalDecisionStore store = null!;
    ApprovalSnapshotStore snapshots = null!;
    OrchestrationMetadata? run;

    public async Task InitializeAsync()
    {
        var azurite = await SharedAzurite.GetAsync();
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = azurite.ConnectionString })
            .Build();
        store = ApprovalDecisionStore.Create(configuration);
        tokens = new ApprovalTokens(Options.Create(approvalOptions), clock);
        snapshots = ApprovalSnapshotStore.Create(configuration);
        handler = Decider(TimeSpan.FromSeconds(5));
        list = new ListApprovalsHandler(new GateViews(tokens, store, snapshots, clock, Options.Create(approvalOptions)));
        run = Running(Gate());
        client.Setup(c => c.GetInstancesAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, bool _, CancellationToken _) => id == instanceId ? run : null);
        client.Setup(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()))
            .Callback((string _, string name, object? payload, CancellationToken _) => raised.Enqueue((name, (ApprovalDecision)payload!)))
            .Returns(Task.CompletedTask);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    DecideApprovalHandler Decider(TimeSpan gateVisibilityWait) => new(new ApprovalDecider(
        tokens, store, clock, Options.Create(new ApprovalDecisionOptions { GateVisibilityWait = gateVisibilityWait }), Options.Create(approvalOptions),
        NullLogger<ApprovalDecider>.Instance));

    /// <summary>draft → review (editor: ed and sam, then chief; or a group-only first level) as the run's input, with its execution id.</summary>
    static string SerializedInput(string executionId = ExecutionId, bool groupLevel = false) =>
        JsonDataConverter.Default.Serialize(TestDefinitions.Request(TestDefinitions.Load(TestDefinitions.Workflow($$"""
            [ { "id": "draft", "kind": "llm", "prompt": "p" },
              { "id": "review", "kind": "approval", "context": ["input.topic"], "criteria": ["Accurate", "On brand"],
                "escalation": [ { "name": "editor", {{(groupLevel ? "\"group\": \"editors\"" : "\"approvers\": [\"ed@example.com\", \"sam@example.com\"]")}}, "timeout": "PT1H" },
                                { "name": "chief", "approvers": ["chief@example.com"], "timeout": "PT1H" } ] } ]
            """))) with { ExecutionId = executionId })!;

    OpenGate Gate(int level = 0, string gateId = "review-1", string? group = null) => new(
        gateId, level == 0 ? "editor" : "chief", level, clock.GetUtcNow().UtcDateTime, clock.GetUtcNow().UtcDateTime.AddHours(1),
        group is not null ? [] : level == 0 ? ["ed@example.com", "sam@example.com"] : ["chief@example.com"], Hash, group, Snapshot, ["Accurate", "On brand"]);

    OrchestrationMetadata Running(OpenGate gate, string executionId = ExecutionId) => Meta(OrchestrationRuntimeStatus.Running, executionId, gate);

    OrchestrationMetadata Meta(OrchestrationRuntimeStatus status, string executionId = ExecutionId, OpenGate? gate = null) => new(nameof(WorkflowOrchestrator), instanceId)
    {
        RuntimeStatus = status,
        DataConverter = JsonDataConverter.Default,
        SerializedInput = SerializedInput(executionId, gate?.Group is not null),
        SerializedCustomStatus = gate is null ? null : JsonDataConverter.Default.Serialize(new RunStatus
        {
            Workflow = "test-flow", Version = "1.0.0", State = RunStates.WaitingForApproval, CurrentStep = "review", StepKind = "approval", Gate = gate,
        }),
    };

    string Token(int level = 0, string gateId = "review-1", TimeSpan? validFor = null, string approver = "ed@example.com", string executionId = ExecutionId) =>
        tokens.Issue(new TokenClaims(instanceId, executionId, gateId, level, approver, clock.GetUtcNow() + (validFor ?? TimeSpan.FromHours(1))));

    static string Body(string decision = Decisions.Approve, string? approver = null, string hash = "", string? comment = "fine", bool brand = true) =>
        new JsonObject
        {
            ["decision"] = decision, ["approver"] = approver, ["comment"] = comment, ["snapshotHash"] = hash.Length == 0 ? Hash : hash,
            ["criteria"] = new JsonObject { ["Accurate"] = true, ["On brand"] = brand },
        }.ToJsonString();

    static HttpRequest Request(string? body, string? queryToken = null, string? header = null, string? headerValue = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("localhost");
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body ?? ""));
        if (queryToken is not null)
        {
            context.Request.QueryString = QueryString.Create("token", queryToken);
        }

        if (header is not null)
        {
            context.Request.Headers[header] = headerValue;
        }

        return context.Request;
    }

    Task<IResult> DecideAsync(string? body, string? token, string gateId = "review-1", string? id = null) =>
        handler.DecideAsync(Request(body, token), id ?? instanceId, gateId, client.Object, CancellationToken.None);

    static int StatusOf(IResult result) => ((IStatusCodeHttpResult)result).StatusCode!.Value;

    static IReadOnlyList<FieldError> ErrorsOf(IResult result) =>
        (IReadOnlyList<FieldError>)((ProblemHttpResult)result).ProblemDetails.Extensions["errors"]!;

    [Theory]
    [InlineData("query")]
    [InlineData("Authorization")]
    [InlineData(ApprovalTokenCarrier.Header)]
    public async Task DecideAsync_ValidApproval_ClaimsAndRaisesTheGateEvent(string carrier)
    {
        string token = Token();
        HttpRequest request = carrier switch
        {
            "query" => Request(Body(), queryToken: token),
            "Authorization" => Request(Body(), header: "Authorization", headerValue: "Bearer " + token),
            _ => Request(Body(), header: carrier, headerValue: token),
        };

        IResult result = await handler.DecideAsync(request, instanceId, "review-1", client.Object, CancellationToken.None);

        Assert.Equal(StatusCodes.Status202Accepted, StatusOf(result));
        (string name, ApprovalDecision decision) = Assert.Single(raised);
        Assert.Equal(ApprovalEvents.ForGate("review-1"), name);
        Assert.Equal((Decisions.Approve, "ed@example.com", "fine", Hash, 0), (decision.Decision, decision.Approver, decision.Comment, decision.SnapshotHash, decision.Level));
        Assert.True(decision.Criteria["Accurate"] && decision.Criteria["On brand"]);
        Assert.Equal("ed@example.com", (await store.FindAsync(instanceId, "review-1", CancellationToken.None))!.Approver);
    }

    [Fact]
    public async Task DecideAsync_ForgedToken_Returns401()
    {
        string genuine = Token();
        string forged = genuine[..genuine.LastIndexOf('.')] + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

        Assert.Equal(StatusCodes.Status401Unauthorized, StatusOf(await DecideAsync(Body(), forged)));
        Assert.Equal(StatusCodes.Status401Unauthorized, StatusOf(await DecideAsync(Body(), null)));
        var otherKey = new ApprovalTokens(Options.Create(new ApprovalOptions { SigningKey = "someone-elses-key" }), clock);
        Assert.Equal(StatusCodes.Status401Unauthorized, StatusOf(await DecideAsync(Body(), otherKey.Issue(
            new TokenClaims(instanceId, ExecutionId, "review-1", 0, "ed@example.com", clock.GetUtcNow().AddHours(1))))));
        Assert.Empty(raised);
    }

    [Fact]
    public async Task DecideAsync_TokenForAnotherGate_Returns401()
    {
        IResult result = await DecideAsync(Body(), Token(gateId: "other-1"));

        Assert.Equal(StatusCodes.Status401Unauthorized, StatusOf(result));
        Assert.Empty(raised);
    }

    [Fact]
    public async Task DecideAsync_ExpiredToken_Returns403()
    {
        string token = Token(validFor: TimeSpan.FromMinutes(5));
        clock.Advance(TimeSpan.FromMinutes(6));

        IResult result = await DecideAsync(Body(), token);

        Assert.Equal(StatusCodes.Status403Forbidden, StatusOf(result));
        Assert.Equal("token", Assert.Single(ErrorsOf(result)).Field);
        Assert.Empty(raised);
    }

    [Fact]
    public async Task DecideAsync_TokenForALevelTheGateEscalatedPast_Returns409NamingTheCurrentLevel()
    {
        string editorToken = Token(level: 0);
        run = Running(Gate(level: 1));

        IResult result = await DecideAsync(Body(), editorToken);

        Assert.Equal(StatusCodes.Status409Conflict, StatusOf(result));
        Assert.Equal("chief", ((ProblemHttpResult)result).ProblemDetails.Extensions["currentLevel"]);
        Assert.Contains("'chief'", ((ProblemHttpResult)result).ProblemDetails.Detail, StringComparison.Ordinal);
        Assert.Empty(raised);
    }

    [Fact]
    public async Task DecideAsync_UnknownInstanceOrGate_Returns404()
    {
        string otherRun = "test-flow:missing";
        IResult unknownRun = await handler.DecideAsync(Request(Body(), tokens.Issue(new TokenClaims(otherRun, ExecutionId, "review-1", 0, "ed@example.com", clock.GetUtcNow().AddHours(1)))), otherRun, "review-1", client.Object, CancellationToken.None);
        IResult unknownGate = await DecideAsync(Body(), Token(gateId: "publish-1"), gateId: "publish-1");

        Assert.Equal(StatusCodes.Status404NotFound, StatusOf(unknownRun));
        Assert.Equal(StatusCodes.Status404NotFound, StatusOf(unknownGate));
        Assert.Empty(raised);
    }

    [Fact]
    public async Task DecideAsync_FinishedRunWithoutADecision_Returns410AndRecordsTheRefusal()
    {
        run = Meta(OrchestrationRuntimeStatus.Terminated);

        IResult late = await DecideAsync(Body(), Token());

        Assert.Equal(StatusCodes.Status410Gone, StatusOf(late));
        var refusals = await store.RefusalsAsync(instanceId, "review-1", CancellationToken.None);
        (string reason, string? body) = Assert.Single(refusals);
        Assert.Contains("will never open again", reason, StringComparison.Ordinal);
        Assert.Contains(Hash, body, StringComparison.Ordinal);
        Assert.Empty(raised);
    }

    [Fact]
    public async Task DecideAsync_GateClosedWhileTheRunGoesOn_Returns404AndRecordsTheRefusal()
    {
        run = Running(Gate(gateId: "review-2"));

        IResult late = await DecideAsync(Body(), Token(gateId: "review-1"), gateId: "review-1");

        Assert.Equal(StatusCodes.Status404NotFound, StatusOf(late));
        Assert.Single(await store.RefusalsAsync(instanceId, "review-1", CancellationToken.None));
        Assert.Empty(raised);
    }

    /// <summary>A running run between steps: no gate published yet, and a definition with an approval step "review".</summary>
    OrchestrationMetadata BetweenSteps() => new(nameof(WorkflowOrchestrator), instanceId)
    {
        RuntimeStatus = OrchestrationRuntimeStatus.Running,
        DataConverter = JsonDataConverter.Default,
        SerializedInput = SerializedInput(),
        SerializedCustomStatus = JsonDataConverter.Default.Serialize(new RunStatus { Workflow = "test-flow", Version = "1.0.0", State = RunStates.Running, CurrentStep = "draft" }),
    };

    [Fact]
    public async Task DecideAsync_GateStatusPublishedMomentsLater_WaitsForItAndClaimsNormally()
    {
        int reads = 0;
        client.Setup(c => c.GetInstancesAsync(instanceId, It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => Interlocked.Increment(ref reads) < 3 ? BetweenSteps() : Running(Gate()));

        IResult result = await DecideAsync(Body(), Token());

        Assert.Equal(StatusCodes.Status202Accepted, StatusOf(result));
        Assert.NotNull(await store.FindAsync(instanceId, "review-1", CancellationToken.None));
        Assert.Single(raised);
    }

    [Fact]
    public async Task DecideAsync_GateNotOpenYet_KeepsTheDecisionForWhenItOpens()
    {
        run = BetweenSteps();
        handler = Decider(TimeSpan.FromMilliseconds(500));

        IResult result = await DecideAsync(Body(), Token());

        Assert.Equal(StatusCodes.Status202Accepted, StatusOf(result));
        (string name, ApprovalDecision decision) = Assert.Single(raised);
        Assert.Equal((ApprovalEvents.ForGate("review-1"), Hash, "ed@example.com"), (name, decision.SnapshotHash, decision.Approver));
        // Claimed like any other decision, so a later one cannot win the table while this one wins the run.
        Assert.Equal("ed@example.com", (await store.FindAsync(instanceId, "review-1", CancellationToken.None))!.Approver);
        IResult later = await Decider(TimeSpan.FromMilliseconds(200)).DecideAsync(Request(Body(Decisions.Reject), Token(approver: "sam@example.com")), instanceId, "review-1", client.Object, CancellationToken.None);
        Assert.Equal(StatusCodes.Status409Conflict, StatusOf(later));
        Assert.Single(raised);
    }

    [Fact]
    public async Task DecideAsync_RejectLink_TakesTheDecisionFromTheQuery()
    {
        JsonObject body = JsonNode.Parse(Body(Decisions.Reject, comment: "off brand", brand: false))!.AsObject();
        body.Remove("decision");
        HttpRequest request = Request(body.ToJsonString());
        request.QueryString = new QueryString($"?token={Uri.EscapeDataString(Token())}&decision=reject");

        IResult result = await handler.DecideAsync(request, instanceId, "review-1", client.Object, CancellationToken.None);

        Assert.Equal(StatusCodes.Status202Accepted, StatusOf(result));
        Assert.Equal(Decisions.Reject, Assert.Single(raised).Decision.Decision);
    }

    [Fact]
    public async Task DecideAsync_AlreadyDecided_Returns409WithTheRecordedDecision()
    {
        Assert.Equal(StatusCodes.Status202Accepted, StatusOf(await DecideAsync(Body(), Token())));
        // The run moved on: the gate is closed.
        run = Meta(OrchestrationRuntimeStatus.Completed);

        IResult again = await DecideAsync(Body(Decisions.Reject, comment: "no"), Token(approver: "sam@example.com"));

        Assert.Equal(StatusCodes.Status409Conflict, StatusOf(again));
        var recorded = (ApprovalDecision)((ProblemHttpResult)again).ProblemDetails.Extensions["decision"]!;
        Assert.Equal((Decisions.Approve, "ed@example.com"), (recorded.Decision, recorded.Approver));
        Assert.Single(raised);
    }

    [Fact]
    public async Task DecideAsync_ConcurrentDecisions_ExactlyOneWins()
    {
        string[] approvers = ["ed@example.com", "sam@example.com"];

        IResult[] results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => DecideAsync(Body(i % 2 == 0 ? Decisions.Approve : Decisions.Reject), Token(approver: approvers[i % 2])))));

        Assert.Single(results, r => StatusOf(r) == StatusCodes.Status202Accepted);
        Assert.Equal(7, results.Count(r => StatusOf(r) == StatusCodes.Status409Conflict));
        ApprovalDecision winner = (await store.FindAsync(instanceId, "review-1", CancellationToken.None))!;
        Assert.All(results.OfType<ProblemHttpResult>(), r => Assert.Equal(winner.Approver, ((ApprovalDecision)r.ProblemDetails.Extensions["decision"]!).Approver));

        // Losers that found the gate still open raised the recorded (winning) decision again, never their own.
        Assert.All(raised, r => Assert.Equal((winner.Decision, winner.Approver), (r.Decision.Decision, r.Decision.Approver)));
    }

    [Fact]
    public async Task DecideAsync_SnapshotHashMismatch_Returns409AndRaisesNothing()
    {
        IResult result = await DecideAsync(Body(hash: new string('0', 64)), Token());

        Assert.Equal(StatusCodes.Status409Conflict, StatusOf(result));
        Assert.Equal("/snapshotHash", Assert.Single(ErrorsOf(result)).Field);
        Assert.Empty(raised);
        Assert.Null(await store.FindAsync(instanceId, "review-1", CancellationToken.None));
    }

    [Fact]
    public async Task DecideAsync_LinkIssuedToSomeoneNotOnTheLevel_Returns403()
    {
        IResult result = await DecideAsync(Body(), Token(approver: "mallory@example.com"));

        Assert.Equal(StatusCodes.Status403Forbidden, StatusOf(result));
        Assert.Equal("token", Assert.Single(ErrorsOf(result)).Field);
        Assert.Empty(raised);
    }

    [Fact]
    public async Task DecideAsync_ApproverTypedInTheBody_IsIgnoredForTheLinksIdentity()
    {
        IResult result = await DecideAsync(Body(approver: "chief@example.com"), Token(approver: "sam@example.com"));

        Assert.Equal(StatusCodes.Status202Accepted, StatusOf(result));
        Assert.Equal("sam@example.com", Assert.Single(raised).Decision.Approver);
        Assert.Equal("sam@example.com", (await store.FindAsync(instanceId, "review-1", CancellationToken.None))!.Approver);
    }

    [Fact]
    public async Task DecideAsync_GroupLevel_OnlyTheGroupsConfiguredMembersDecide()
    {
        approvalOptions.Groups["editors"] = "erin@example.com; frank@example.com";
        run = Running(Gate(group: "editors"));

        IResult stranger = await DecideAsync(Body(), Token(approver: "anyone@example.com"));
        IResult member = await DecideAsync(Body(), Token(approver: "frank@example.com"));

        Assert.Equal(StatusCodes.Status403Forbidden, StatusOf(stranger));
        Assert.Equal(StatusCodes.Status202Accepted, StatusOf(member));
        Assert.Equal("frank@example.com", Assert.Single(raised).Decision.Approver);
    }

    [Fact]
    public async Task DecideAsync_LinkFromAnEarlierExecutionOfTheSameInstanceId_Returns401()
    {
        string oldLink = Token(executionId: "execution-before-the-purge");

        IResult result = await DecideAsync(Body(), oldLink);

        Assert.Equal(StatusCodes.Status401Unauthorized, StatusOf(result));
        Assert.Empty(raised);
        Assert.Null(await store.FindAsync(instanceId, "review-1", CancellationToken.None));
    }

    [Fact]
    public async Task DecideAsync_SuspendedRun_Returns409SuspendedAndRecordsNothing()
    {
        run = Meta(OrchestrationRuntimeStatus.Suspended, gate: Gate());

        IResult result = await DecideAsync(Body(), Token());

        Assert.Equal(StatusCodes.Status409Conflict, StatusOf(result));
        Assert.Equal("suspended", ((ProblemHttpResult)result).ProblemDetails.Extensions["reason"]);
        Assert.Empty(await store.RefusalsAsync(instanceId, "review-1", CancellationToken.None));
        Assert.Null(await store.FindAsync(instanceId, "review-1", CancellationToken.None));
        Assert.Empty(raised);
    }

    [Fact]
    public async Task DecideAsync_LevelClosedByTheGatesTimerFirst_Returns409NamingTheNextLevel()
    {
        Assert.Null(await store.CloseLevelAsync(instanceId, "review-1", 0, 1, CancellationToken.None));

        IResult result = await DecideAsync(Body(), Token());

        Assert.Equal(StatusCodes.Status409Conflict, StatusOf(result));
        Assert.Equal("chief", ((ProblemHttpResult)result).ProblemDetails.Extensions["currentLevel"]);
        Assert.Empty(raised);
    }

    [Fact]
    public async Task DecideAsync_ClaimedBeforeTheLevelClosed_IsWhatTheGatesTimerApplies()
    {
        Assert.Equal(StatusCodes.Status202Accepted, StatusOf(await DecideAsync(Body(), Token())));

        ApprovalDecision? claimed = await store.CloseLevelAsync(instanceId, "review-1", 0, 1, CancellationToken.None);

        ApprovalDecision answered = Assert.Single(raised).Decision;
        Assert.Equal((answered.Approver, answered.Decision, answered.Level, answered.DecidedAt), (claimed!.Approver, claimed.Decision, claimed.Level, claimed.DecidedAt));
    }

    [Fact]
    public async Task DecideAsync_EarlyDecision_PassesTheSameRulesAsAnOpenGate()
    {
        run = BetweenSteps();
        handler = Decider(TimeSpan.FromMilliseconds(200));

        IResult stranger = await DecideAsync(Body(), Token(approver: "mallory@example.com"));
        IResult unchecked_ = await DecideAsync(Body(brand: false), Token());
        IResult laterLevel = await DecideAsync(Body(), Token(level: 1, approver: "chief@example.com"));

        Assert.Equal(StatusCodes.Status403Forbidden, StatusOf(stranger));
        Assert.Equal(StatusCodes.Status400BadRequest, StatusOf(unchecked_));
        Assert.Equal("/criteria/On brand", Assert.Single(ErrorsOf(unchecked_)).Field);
        Assert.Equal(StatusCodes.Status409Conflict, StatusOf(laterLevel));
        Assert.Empty(raised);
        Assert.Null(await store.FindAsync(instanceId, "review-1", CancellationToken.None));
    }

    [Theory]
    [InlineData("""{ "approver": "ed@example.com", "snapshotHash": "h" }""", "/decision")]
    [InlineData("""{ "decision": "maybe", "approver": "ed@example.com", "snapshotHash": "h" }""", "/decision")]
    [InlineData("""{ "decision": "reject", "approver": "ed@example.com" }""", "/snapshotHash")]
    [InlineData("""{ "decision": "request-changes", "approver": "ed@example.com", "snapshotHash": "h" }""", "/comment")]
    [InlineData("""{ "decision": "reject", "approver": "ed@example.com", "snapshotHash": "h", "criteria": { "Accurate": "yes" } }""", "/criteria/Accurate")]
    [InlineData("""{ "decision": "reject", "approver": "ed@example.com", "snapshotHash": "h", "criteria": { "Cheap": true } }""", "/criteria/Cheap")]
    [InlineData("""{ "decision": "approve", "approver": "ed@example.com", "snapshotHash": "h", "criteria": { "Accurate": true } }""", "/criteria/On brand")]
    [InlineData("""[1, 2]""", "")]
    [InlineData("""{ "decision": """, "*")]
    public async Task DecideAsync_MalformedBody_Returns400NamingTheField(string body, string field)
    {
        IResult result = await DecideAsync(body, Token());

        Assert.Equal(StatusCodes.Status400BadRequest, StatusOf(result));
        Assert.Contains(ErrorsOf(result), e => field == "*" || e.Field == field);
        Assert.Empty(raised);
    }

    [Fact]
    public async Task ListAsync_UnsupportedStatus_Returns400NamingStatus()
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = QueryString.Create("status", "decided");

        IResult result = await list.ListAsync(context.Request, client.Object, CancellationToken.None);

        Assert.Equal(StatusCodes.Status400BadRequest, StatusOf(result));
        Assert.Equal("status", Assert.Single(ErrorsOf(result)).Field);
    }
}
