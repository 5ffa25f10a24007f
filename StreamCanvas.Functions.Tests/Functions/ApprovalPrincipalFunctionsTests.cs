using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
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
using StreamCanvas.Functions;
using StreamCanvas.Orchestration;
using StreamCanvas.Standalone;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Functions;

/// <summary>
/// Approval decisions by App Service Authentication's signed-in principal, through the Functions adapter as the host
/// calls it (a Moq'd FunctionContext and DurableTaskClient; the real decision table on the shared Azurite, so the
/// claim is the real one), and the same forged header on the standalone path.
/// </summary>
public sealed class ApprovalPrincipalFunctionsTests : IAsyncLifetime
{
    static readonly JsonObject Snapshot = new() { ["input.topic"] = "durable" };
    static readonly string Hash = ApprovalSnapshot.Hash(Snapshot);
    const string ExecutionId = "execution-1";

    readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    readonly string instanceId = "test-flow:" + Guid.NewGuid().ToString("N");
    readonly ConcurrentQueue<ApprovalDecision> raised = new();
    readonly Mock<DurableTaskClient> client = new("test") { CallBase = true };
    readonly Mock<FunctionContext> context = new();
    readonly ApprovalOptions approvalOptions = new() { SigningKey = "principal-test-key" };
    ApprovalTokens tokens = null!;
    ApprovalDecisionStore store = null!;
    ApprovalSnapshotStore snapshots = null!;
    OrchestrationMetadata? run;

    public async Task InitializeAsync()
    {
        Azurite azurite = await SharedAzurite.GetAsync();
        IConfiguration storage = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = azurite.ConnectionString })
            .Build();
        store = ApprovalDecisionStore.Create(storage);
        snapshots = ApprovalSnapshotStore.Create(storage);
        tokens = new ApprovalTokens(Options.Create(approvalOptions), clock);
        run = Running(Gate());
        context.SetupGet(c => c.CancellationToken).Returns(CancellationToken.None);
        client.Setup(c => c.GetInstancesAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, bool _, CancellationToken _) => id == instanceId ? run : null);
        client.Setup(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()))
            .Callback((string _, string _, object? payload, CancellationToken _) => raised.Enqueue((ApprovalDecision)payload!))
            .Returns(Task.CompletedTask);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The adapter as the Functions host builds it, with the platform's settings as given (WEBSITE_AUTH_ENABLED among them).</summary>
    ApprovalHttpFunctions Functions(bool authEnabled = true, string? authSetting = null)
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [AppServicePrincipal.EnabledSetting] = authSetting ?? (authEnabled ? "True" : null) })
            .Build();
        var views = new GateViews(tokens, store, snapshots, clock, Options.Create(approvalOptions));
        return new ApprovalHttpFunctions(Handler(), new ShowApprovalHandler(views), new ListApprovalsHandler(views), configuration);
    }

    DecideApprovalHandler Handler() => new(new ApprovalDecider(
        tokens, store, clock, Options.Create(new ApprovalDecisionOptions { GateVisibilityWait = TimeSpan.FromMilliseconds(200) }),
        Options.Create(approvalOptions), NullLogger<ApprovalDecider>.Instance));

    /// <summary>draft → review (editor: ed and sam, or the group "editors" alone; then chief).</summary>
    static string SerializedInput(bool groupLevel) =>
        JsonDataConverter.Default.Serialize(TestDefinitions.Request(TestDefinitions.Load(TestDefinitions.Workflow($$"""
            [ { "id": "draft", "kind": "llm", "prompt": "p" },
              { "id": "review", "kind": "approval", "context": ["input.topic"], "criteria": ["Accurate"],
                "escalation": [ { "name": "editor", {{(groupLevel ? "\"group\": \"editors\"" : "\"approvers\": [\"ed@example.com\", \"sam@example.com\"]")}}, "timeout": "PT1H" },
                                { "name": "chief", "approvers": ["chief@example.com"], "timeout": "PT1H" } ] } ]
            """))) with { ExecutionId = ExecutionId })!;

    OpenGate Gate(string? group = null) => new(
        "review-1", "editor", 0, clock.GetUtcNow().UtcDateTime, clock.GetUtcNow().UtcDateTime.AddHours(1),
        group is not null ? [] : ["ed@example.com", "sam@example.com"], Hash, group, Snapshot, ["Accurate"]);

    OrchestrationMetadata Running(OpenGate gate, OrchestrationRuntimeStatus status = OrchestrationRuntimeStatus.Running) => new(nameof(WorkflowOrchestrator), instanceId)
    {
        RuntimeStatus = status,
        DataConverter = JsonDataConverter.Default,
        SerializedInput = SerializedInput(gate.Group is not null),
        SerializedCustomStatus = JsonDataConverter.Default.Serialize(new RunStatus
        {
            Workflow = "test-flow", Version = "1.0.0", State = RunStates.WaitingForApproval, CurrentStep = "review", StepKind = "approval", Gate = gate,
        }),
    };

    /// <summary>The header App Service Authentication sets for a signed-in caller.</summary>
    static string Principal(string? preferredUsername, params (string Type, string Value)[] claims)
    {
        var list = new JsonArray();
        if (preferredUsername is not null)
        {
            list.Add(new JsonObject { ["typ"] = "preferred_username", ["val"] = preferredUsername });
        }

        foreach ((string type, string value) in claims)
        {
            list.Add(new JsonObject { ["typ"] = type, ["val"] = value });
        }

        var principal = new JsonObject
        {
            ["auth_typ"] = "aad",
            ["name_typ"] = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
            ["role_typ"] = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
            ["claims"] = list,
        };
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(principal.ToJsonString()));
    }

    static string Body(string decision = Decisions.Approve, string? approver = null) => new JsonObject
    {
        ["decision"] = decision, ["approver"] = approver, ["comment"] = "fine", ["snapshotHash"] = Hash, ["criteria"] = new JsonObject { ["Accurate"] = true },
    }.ToJsonString();

    static DefaultHttpContext Request(string? principal, string? body = null, string? token = null, string method = "POST")
    {
        DefaultHttpContext http = ResultExecutor.NewContext(method, body: method == "POST" ? body ?? Body() : null, contentType: method == "POST" ? "application/json" : null);
        if (principal is not null)
        {
            http.Request.Headers[AppServicePrincipal.Header] = principal;
        }

        if (token is not null)
        {
            http.Request.QueryString = QueryString.Create("token", token);
        }

        return http;
    }

    Task<IResult> DecideAsync(ApprovalHttpFunctions functions, DefaultHttpContext http) =>
        functions.DecideApproval(http.Request, instanceId, "review-1", client.Object, context.Object);

    [Fact]
    public async Task DecideApproval_PrincipalListedOnTheLevel_DecidesAndDecidedByIsThePrincipal()
    {
        DefaultHttpContext http = Request(Principal("sam@example.com"), Body(approver: "ed@example.com"));

        var (status, _, body) = await ResultExecutor.ExecuteAsync(await DecideAsync(Functions(), http), http);

        Assert.Equal(202, status);
        Assert.Equal("sam@example.com", body!["decision"]!["approver"]!.GetValue<string>());
        ApprovalDecision decision = Assert.Single(raised);
        Assert.Equal((Decisions.Approve, "sam@example.com", 0), (decision.Decision, decision.Approver, decision.Level));
        Assert.Equal("sam@example.com", (await store.FindAsync(instanceId, "review-1", CancellationToken.None))!.Approver);
    }

    [Fact]
    public async Task DecideApproval_PrincipalNotOnTheLevel_Returns403ProblemJsonAndDecidesNothing()
    {
        DefaultHttpContext http = Request(Principal("mallory@example.com", ("groups", "editors")));

        var (status, headers, body) = await ResultExecutor.ExecuteAsync(await DecideAsync(Functions(), http), http);

        Assert.Equal(403, status);
        Assert.Equal("application/problem+json", headers.ContentType.ToString());
        Assert.Contains("mallory@example.com", body!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("principal", body["errors"]![0]!["field"]!.GetValue<string>());
        Assert.Empty(raised);
        Assert.Null(await store.FindAsync(instanceId, "review-1", CancellationToken.None));
    }

    [Theory]
    [InlineData("groups")]
    [InlineData("roles")]
    [InlineData("http://schemas.microsoft.com/ws/2008/06/identity/claims/role")]
    public async Task DecideApproval_GroupClaimNamesTheLevelsGroup_DecidesAsThePrincipal(string claimType)
    {
        run = Running(Gate(group: "editors"));
        DefaultHttpContext http = Request(Principal("kim@example.com", (claimType, "Editors")));

        var (status, _, _) = await ResultExecutor.ExecuteAsync(await DecideAsync(Functions(), http), http);

        Assert.Equal(202, status);
        Assert.Equal("kim@example.com", Assert.Single(raised).Approver);
    }

    [Fact]
    public async Task DecideApproval_MemberOfTheLevelsGroupByConfiguration_DecidesAsThePrincipal()
    {
        approvalOptions.Groups["editors"] = "lee@example.com; kim@example.com";
        run = Running(Gate(group: "editors"));
        DefaultHttpContext http = Request(Principal("KIM@example.com"));

        var (status, _, _) = await ResultExecutor.ExecuteAsync(await DecideAsync(Functions(), http), http);

        Assert.Equal(202, status);
        Assert.Equal("KIM@example.com", Assert.Single(raised).Approver);
    }

    [Fact]
    public async Task DecideApproval_GroupLevelWithNoMembersAndNoMatchingClaim_Returns403()
    {
        // A link for such a level decides for whoever holds it; a signed-in principal needs to be on the level.
        run = Running(Gate(group: "editors"));
        DefaultHttpContext http = Request(Principal("kim@example.com", ("groups", "writers")));

        var (status, _, _) = await ResultExecutor.ExecuteAsync(await DecideAsync(Functions(), http), http);

        Assert.Equal(403, status);
        Assert.Empty(raised);
    }

    [Fact]
    public async Task DecideApproval_PrincipalOnlyOnALaterLevel_Returns403AtTheCurrentLevel()
    {
        DefaultHttpContext http = Request(Principal("chief@example.com"));

        var (status, _, body) = await ResultExecutor.ExecuteAsync(await DecideAsync(Functions(), http), http);

        Assert.Equal(403, status);
        Assert.Contains("'editor'", body!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(raised);
    }

    [Fact]
    public async Task DecideApproval_PrincipalOnNoLevelOfADecidedGate_Returns403WithoutTellingWhoDecided()
    {
        ApprovalHttpFunctions functions = Functions();
        DefaultHttpContext first = Request(Principal("ed@example.com"));
        await DecideAsync(functions, first);
        DefaultHttpContext outsider = Request(Principal("mallory@example.com"));

        var (status, _, body) = await ResultExecutor.ExecuteAsync(await DecideAsync(functions, outsider), outsider);

        Assert.Equal(403, status);
        Assert.DoesNotContain("ed@example.com", body!.ToJsonString(), StringComparison.Ordinal);
        Assert.Single(raised);
    }

    [Fact]
    public async Task DecideApproval_PrincipalForAGateNotOpenYet_Returns404AndKeepsNothing()
    {
        // A link proves its gate opened; a principal does not, so it cannot decide (or claim) a gate before it is shown.
        run = new OrchestrationMetadata(nameof(WorkflowOrchestrator), instanceId)
        {
            RuntimeStatus = OrchestrationRuntimeStatus.Running, DataConverter = JsonDataConverter.Default, SerializedInput = SerializedInput(groupLevel: false),
        };
        DefaultHttpContext http = Request(Principal("ed@example.com"));

        var (status, _, _) = await ResultExecutor.ExecuteAsync(await DecideAsync(Functions(), http), http);

        Assert.Equal(404, status);
        Assert.Empty(raised);
        Assert.Null(await store.FindAsync(instanceId, "review-1", CancellationToken.None));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("False")]
    [InlineData("1")]
    public async Task DecideApproval_AppServiceAuthenticationNotOn_IgnoresThePrincipalHeader(string? setting)
    {
        DefaultHttpContext http = Request(Principal("ed@example.com"));

        var (status, headers, _) = await ResultExecutor.ExecuteAsync(await DecideAsync(Functions(authEnabled: false, authSetting: setting), http), http);

        Assert.Equal(401, status);
        Assert.Equal("application/problem+json", headers.ContentType.ToString());
        Assert.Empty(raised);
        Assert.Null(await store.FindAsync(instanceId, "review-1", CancellationToken.None));
    }

    [Fact]
    public async Task DecideApproval_StandaloneHost_ForgedPrincipalHeaderDecidesNothing()
    {
        // The standalone host strips the platform's headers and hands its handler no principal, whatever its settings say.
        DefaultHttpContext http = Request(Principal("ed@example.com"));
        http.Request.Headers["X-MS-CLIENT-PRINCIPAL-NAME"] = "ed@example.com";

        PlatformHeaders.Strip(http.Request);
        IResult result = await Handler().DecideAsync(http.Request, instanceId, "review-1", client.Object, CancellationToken.None);
        var (status, _, _) = await ResultExecutor.ExecuteAsync(result, http);

        Assert.False(http.Request.Headers.ContainsKey(AppServicePrincipal.Header));
        Assert.False(http.Request.Headers.ContainsKey("X-MS-CLIENT-PRINCIPAL-NAME"));
        Assert.Equal(401, status);
        Assert.Empty(raised);
        Assert.Null(await store.FindAsync(instanceId, "review-1", CancellationToken.None));
    }

    [Fact]
    public async Task DecideApproval_StandaloneHandler_NeverReadsThePrincipalHeaderItself()
    {
        // Even without the stripping, the handler the standalone routes call has no principal to decide as.
        DefaultHttpContext http = Request(Principal("ed@example.com"));

        var (status, _, _) = await ResultExecutor.ExecuteAsync(await Handler().DecideAsync(http.Request, instanceId, "review-1", client.Object, CancellationToken.None), http);

        Assert.Equal(401, status);
        Assert.Empty(raised);
    }

    [Fact]
    public async Task DecideApproval_LinkTokenAndPrincipal_TheLinkDecides()
    {
        string token = tokens.Issue(new TokenClaims(instanceId, ExecutionId, "review-1", 0, "ed@example.com", clock.GetUtcNow().AddHours(1)));
        DefaultHttpContext http = Request(Principal("sam@example.com"), token: token);

        var (status, _, _) = await ResultExecutor.ExecuteAsync(await DecideAsync(Functions(), http), http);

        Assert.Equal(202, status);
        Assert.Equal("ed@example.com", Assert.Single(raised).Approver);
    }

    [Fact]
    public async Task DecideApproval_PlatformBearerTokenWithPrincipal_DecidesAsThePrincipal()
    {
        // Under App Service Authentication a client may sign in with its own access token in Authorization: Bearer.
        DefaultHttpContext http = Request(Principal("sam@example.com"));
        http.Request.Headers.Authorization = "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzYW0ifQ.c2lnbmF0dXJl";

        var (status, _, _) = await ResultExecutor.ExecuteAsync(await DecideAsync(Functions(), http), http);

        Assert.Equal(202, status);
        Assert.Equal("sam@example.com", Assert.Single(raised).Approver);
    }

    [Fact]
    public async Task DecideApproval_FormPostWithPrincipalAndNoToken_DecidesNothing()
    {
        // A form is what a cross-site page can post with the browser's session cookie: it decides by its link's token only.
        DefaultHttpContext http = ResultExecutor.NewContext(
            body: $"decision=approve&snapshotHash={Hash}&criterion=Accurate", contentType: ApprovalPage.FormContentType);
        http.Request.Headers[AppServicePrincipal.Header] = Principal("ed@example.com");

        IResult result = await DecideAsync(Functions(), http);
        await result.ExecuteAsync(http);

        Assert.Equal(401, http.Response.StatusCode);
        Assert.Empty(raised);
    }

    [Fact]
    public async Task DecideApproval_PrincipalOnASuspendedRun_Returns409Suspended()
    {
        run = Running(Gate(), OrchestrationRuntimeStatus.Suspended);
        DefaultHttpContext http = Request(Principal("ed@example.com"));

        var (status, _, body) = await ResultExecutor.ExecuteAsync(await DecideAsync(Functions(), http), http);

        Assert.Equal(409, status);
        Assert.Equal("suspended", body!["reason"]!.GetValue<string>());
        Assert.Empty(raised);
    }

    [Fact]
    public async Task ShowApproval_PrincipalOnTheLevel_SeesTheGate_OthersAreForbidden()
    {
        ApprovalHttpFunctions functions = Functions();
        DefaultHttpContext mine = Request(Principal("ed@example.com"), method: "GET");
        DefaultHttpContext theirs = Request(Principal("mallory@example.com"), method: "GET");

        var (status, _, body) = await ResultExecutor.ExecuteAsync(await functions.ShowApproval(mine.Request, instanceId, "review-1", client.Object, context.Object), mine);
        var (forbidden, _, _) = await ResultExecutor.ExecuteAsync(await functions.ShowApproval(theirs.Request, instanceId, "review-1", client.Object, context.Object), theirs);

        Assert.Equal(200, status);
        Assert.Equal(Hash, body!["snapshotHash"]!.GetValue<string>());
        Assert.Equal(403, forbidden);
    }

    [Fact]
    public async Task ShowApproval_PrincipalInABrowser_GetsThePageWithoutAForm()
    {
        DefaultHttpContext http = Request(Principal("ed@example.com"), method: "GET");
        http.Request.Headers.Accept = "text/html";

        IResult result = await Functions().ShowApproval(http.Request, instanceId, "review-1", client.Object, context.Object);
        await result.ExecuteAsync(http);
        http.Response.Body.Position = 0;
        string page = await new StreamReader(http.Response.Body).ReadToEndAsync();

        Assert.Equal(200, http.Response.StatusCode);
        Assert.Contains("ed@example.com", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<form", page, StringComparison.Ordinal);
        Assert.Contains(Hash, page, StringComparison.Ordinal);
    }
}
