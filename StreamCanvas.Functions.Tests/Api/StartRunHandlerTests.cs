using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using StreamCanvas.Api;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Starts;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Api;

public sealed class StartRunHandlerTests
{
    static readonly WorkflowCatalog Catalog = DefinitionLoader.LoadDirectory(RepoPaths.Workflows);
    readonly Mock<DurableTaskClient> client = new("test");
    readonly StartRunHandler handler = new(new RunStarter(Catalog, new GrantingStartClaims(), NullLogger<RunStarter>.Instance));

    const string ValidSummary = """{ "title": "Doc", "text": "A document long enough to pass the fifty character minimum of the schema." }""";

    async Task<(int Status, Microsoft.AspNetCore.Http.IHeaderDictionary Headers, JsonNode? Body)> PostAsync(string workflow, string? body, string? contentType = "application/json", string? idempotencyKey = null)
    {
        var context = ResultExecutor.NewContext(body: body, contentType: contentType);
        if (idempotencyKey is not null)
        {
            context.Request.Headers[StartRunHandler.IdempotencyKeyHeader] = idempotencyKey;
        }

        var result = await handler.HandleAsync(context.Request, workflow, client.Object, CancellationToken.None);
        return await ResultExecutor.ExecuteAsync(result, context);
    }

    [Fact]
    public async Task HandleAsync_ValidInput_Returns202WithLinksAndStartsTheOrchestrator()
    {
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((TaskName _, object? _, StartOrchestrationOptions? options, CancellationToken _) => options!.InstanceId!);

        var (status, headers, body) = await PostAsync("document-summary", ValidSummary);

        Assert.Equal(202, status);
        string id = body!["instanceId"]!.GetValue<string>();
        Assert.StartsWith("document-summary:", id, StringComparison.Ordinal);
        Assert.Equal(body["links"]!["status"]!.GetValue<string>(), headers.Location.ToString());
        Assert.EndsWith("/history", body["links"]!["history"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.EndsWith("/terminate", body["links"]!["terminate"]!.GetValue<string>(), StringComparison.Ordinal);
        client.Verify(c => c.ScheduleNewOrchestrationInstanceAsync(
            nameof(WorkflowOrchestrator),
            It.Is<WorkflowRunRequest>(r => r.Definition.Name == "document-summary" && r.Input["title"]!.GetValue<string>() == "Doc" && r.DefinitionHash.Length == 64),
            It.Is<StartOrchestrationOptions>(o => o.DedupeStatuses != null && o.DedupeStatuses.Count > 0),
            It.IsAny<CancellationToken>()), Times.Once);
    }

    [Theory]
    [InlineData(63)]
    [InlineData(InputLimits.MaxDepth)]
    public async Task HandleAsync_InputNestedPastTheLimit_Returns400NamingTheLimit(int arrays)
    {
        string body = $$"""{ "title": "t", "text": "{{new string('x', 60)}}", "x": {{new string('[', arrays)}}{{new string(']', arrays)}} }""";

        var (status, _, problem) = await PostAsync("document-summary", body);

        Assert.Equal(400, status);
        JsonNode error = Assert.Single(problem!["errors"]!.AsArray())!;
        Assert.Equal("/", error["field"]!.GetValue<string>());
        Assert.Contains($"MaxDepth {InputLimits.MaxDepth}", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        client.Verify(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task HandleAsync_UnknownWorkflow_Returns404()
    {
        var (status, _, body) = await PostAsync("no-such-flow", ValidSummary);

        Assert.Equal(404, status);
        Assert.Contains("no-such-flow", body!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_InputFailingTheSchema_Returns400NamingEachField()
    {
        var (status, _, body) = await PostAsync("document-summary", """{ "title": 42 }""");

        Assert.Equal(400, status);
        var fields = body!["errors"]!.AsArray().Select(e => e!["field"]!.GetValue<string>()).ToList();
        Assert.Contains("/title", fields);
        Assert.Contains("/text", fields);
        client.VerifyNoOtherCalls();
    }

    [Theory]
    [InlineData("{ \"title\": ", "application/json", 400)]
    [InlineData("[1, 2]", "application/json", 400)]
    [InlineData("", "application/json", 400)]
    [InlineData("title=x", "application/x-www-form-urlencoded", 415)]
    [InlineData("{}", null, 415)]
    public async Task HandleAsync_BadBody_ReturnsClearClientError(string body, string? contentType, int expected)
    {
        var (status, headers, problem) = await PostAsync("document-summary", body, contentType);

        Assert.Equal(expected, status);
        Assert.NotNull(problem!["detail"]);
        Assert.NotNull(problem["errors"]);
        client.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task HandleAsync_BodyOverOneMebibyte_Returns413()
    {
        string huge = "{ \"title\": \"" + new string('x', JsonBody.MaxBytes) + "\" }";

        var (status, _, _) = await PostAsync("document-summary", huge);

        Assert.Equal(413, status);
    }

    [Fact]
    public async Task HandleAsync_RepeatedIdempotencyKey_ReturnsTheExistingRunWithoutStarting()
    {
        var existing = new OrchestrationMetadata(nameof(WorkflowOrchestrator), RunIds.FromIdempotencyKey("document-summary", "key-1"))
        {
            RuntimeStatus = OrchestrationRuntimeStatus.Running,
            SerializedInput = JsonDataConverter.Default.Serialize(new WorkflowRunRequest(Catalog.Find("document-summary")!.Definition, "h", JsonNode.Parse(ValidSummary)!.AsObject())),
            DataConverter = JsonDataConverter.Default,
        };
        client.Setup(c => c.GetInstanceAsync(existing.InstanceId, true, It.IsAny<CancellationToken>())).ReturnsAsync(existing);

        var (status, headers, body) = await PostAsync("document-summary", ValidSummary, idempotencyKey: "key-1");

        Assert.Equal(202, status);
        Assert.Equal(existing.InstanceId, body!["instanceId"]!.GetValue<string>());
        Assert.Equal("true", headers["Idempotent-Replayed"].ToString());
        client.Verify(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task HandleAsync_SameKeyStartedElsewhereMomentsAgo_WaitsForThatRunInsteadOfStartingAnother()
    {
        var existing = new OrchestrationMetadata(nameof(WorkflowOrchestrator), RunIds.FromIdempotencyKey("document-summary", "key-3"))
        {
            RuntimeStatus = OrchestrationRuntimeStatus.Pending,
            SerializedInput = JsonDataConverter.Default.Serialize(new WorkflowRunRequest(Catalog.Find("document-summary")!.Definition, "h", JsonNode.Parse(ValidSummary)!.AsObject())),
            DataConverter = JsonDataConverter.Default,
        };
        int reads = 0;
        client.Setup(c => c.GetInstanceAsync(existing.InstanceId, true, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => Interlocked.Increment(ref reads) < 3 ? null : existing);
        var claims = new Mock<IStartClaims>();
        claims.Setup(c => c.TryClaimAsync(existing.InstanceId, It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>())).ReturnsAsync(false);
        var losing = new StartRunHandler(new RunStarter(Catalog, claims.Object, NullLogger<RunStarter>.Instance));
        var context = ResultExecutor.NewContext(body: ValidSummary);
        context.Request.Headers[StartRunHandler.IdempotencyKeyHeader] = "key-3";

        var (status, headers, body) = await ResultExecutor.ExecuteAsync(await losing.HandleAsync(context.Request, "document-summary", client.Object, CancellationToken.None), context);

        Assert.Equal(202, status);
        Assert.Equal(existing.InstanceId, body!["instanceId"]!.GetValue<string>());
        Assert.Equal("true", headers["Idempotent-Replayed"].ToString());
        client.Verify(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task HandleAsync_RunScheduled_ItsStartClaimIsDeleted()
    {
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((TaskName _, object? _, StartOrchestrationOptions? options, CancellationToken _) => options!.InstanceId!);
        var claims = new Mock<IStartClaims>();
        claims.Setup(c => c.TryClaimAsync(It.IsAny<string>(), It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);
        var starting = new StartRunHandler(new RunStarter(Catalog, claims.Object, NullLogger<RunStarter>.Instance));
        var context = ResultExecutor.NewContext(body: ValidSummary);
        context.Request.Headers[StartRunHandler.IdempotencyKeyHeader] = "key-forget";

        var (status, _, _) = await ResultExecutor.ExecuteAsync(await starting.HandleAsync(context.Request, "document-summary", client.Object, CancellationToken.None), context);

        Assert.Equal(202, status);
        claims.Verify(c => c.ForgetAsync(RunIds.FromIdempotencyKey("document-summary", "key-forget"), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task HandleAsync_IdempotencyKeyReusedWithOtherInput_Returns409()
    {
        var existing = new OrchestrationMetadata(nameof(WorkflowOrchestrator), RunIds.FromIdempotencyKey("document-summary", "key-2"))
        {
            RuntimeStatus = OrchestrationRuntimeStatus.Completed,
            SerializedInput = JsonDataConverter.Default.Serialize(new WorkflowRunRequest(Catalog.Find("document-summary")!.Definition, "h", new JsonObject { ["title"] = "Other" })),
            DataConverter = JsonDataConverter.Default,
        };
        client.Setup(c => c.GetInstanceAsync(existing.InstanceId, true, It.IsAny<CancellationToken>())).ReturnsAsync(existing);

        var (status, _, _) = await PostAsync("document-summary", ValidSummary, idempotencyKey: "key-2");

        Assert.Equal(409, status);
    }
}
