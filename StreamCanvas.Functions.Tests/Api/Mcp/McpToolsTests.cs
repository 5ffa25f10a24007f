using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using StreamCanvas.Api.Mcp;

namespace StreamCanvas.Tests.Api.Mcp;

/// <summary>
/// The workflows as MCP tools on the standalone host, called with the MCP SDK's own client over streamable HTTP,
/// on real Azurite: the tools and their schemas, an idempotent start, the run's status, the pending approvals, bad
/// arguments answered as MCP errors and the operator key required.
/// </summary>
public sealed class McpToolsTests(OperatorHost fixture) : IClassFixture<OperatorHost>
{
    const string Endpoint = "api/mcp";

    [Fact]
    public async Task ListTools_EveryWorkflowIsATool_WithItsInputSchemaAndOwner()
    {
        await using McpClient client = await ConnectAsync();

        IList<McpClientTool> tools = await client.ListToolsAsync();

        // Every sample workflow the host loads is a tool, beside the two run tools.
        string[] workflows = [.. StreamCanvas.Definitions.DefinitionLoader.LoadDirectory(RepoPaths.Workflows).All.Select(w => w.Definition.Name)];
        Assert.Contains("support-agent", workflows);
        Assert.Equal(
            workflows.Append(WorkflowTools.RunStatusTool).Append(WorkflowTools.PendingApprovalsTool).Order(StringComparer.Ordinal),
            tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        Tool summary = tools.Single(t => t.Name == "document-summary").ProtocolTool;
        JsonObject schema = JsonNode.Parse(summary.InputSchema.GetRawText())!.AsObject();
        Assert.Equal("object", schema["type"]!.GetValue<string>());
        Assert.Equal(["title", "text"], schema["required"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal(50, schema["properties"]!["text"]!["minLength"]!.GetValue<int>());
        Assert.Equal("string", schema["properties"]![WorkflowTools.IdempotencyKeyArgument]!["type"]!.GetValue<string>());
        Assert.StartsWith("Summarises a document", summary.Description);
        Assert.Contains("Knowledge Services", summary.Description);
        Assert.Contains("knowledge-services@example.com", summary.Description);

        // additionalProperties: false in the workflow's schema still lets the key through: it is one of the tool's properties.
        JsonObject publishing = JsonNode.Parse(tools.Single(t => t.Name == "content-publishing").ProtocolTool.InputSchema.GetRawText())!.AsObject();
        Assert.False(publishing["additionalProperties"]!.GetValue<bool>());
        Assert.NotNull(publishing["properties"]![WorkflowTools.IdempotencyKeyArgument]);
        Assert.Equal(["instanceId"], JsonNode.Parse(tools.Single(t => t.Name == WorkflowTools.RunStatusTool).ProtocolTool.InputSchema.GetRawText())!["required"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Fact]
    public async Task StartTool_SameIdempotencyKeyTwice_StartsOneRun_WhoseStatusTheStatusToolReads()
    {
        await using McpClient client = await ConnectAsync();
        string key = "mcp-" + Guid.NewGuid().ToString("N");
        var arguments = new Dictionary<string, object?> { ["title"] = "Over MCP", ["text"] = OperatorHost.SummaryText, [WorkflowTools.IdempotencyKeyArgument] = key };

        JsonObject first = Structured(await client.CallToolAsync("document-summary", arguments));
        JsonObject second = Structured(await client.CallToolAsync("document-summary", arguments));

        string id = first["instanceId"]!.GetValue<string>();
        Assert.Equal("document-summary", first["workflow"]!.GetValue<string>());
        Assert.False(first["replayed"]!.GetValue<bool>());
        Assert.Equal(id, second["instanceId"]!.GetValue<string>());
        Assert.True(second["replayed"]!.GetValue<bool>());
        Assert.EndsWith($"/api/runs/{Uri.EscapeDataString(id)}", first["links"]!["status"]!.GetValue<string>());

        // The same key over HTTP is the same start: one run, whichever door the caller used.
        JsonObject overHttp = await fixture.Host.StartRunAsync("document-summary", new { title = "Over MCP", text = OperatorHost.SummaryText }, key);
        Assert.Equal(id, overHttp["instanceId"]!.GetValue<string>());
        JsonArray runs = (await fixture.Http.GetFromJsonAsync<JsonObject>("api/runs?workflow=document-summary&pageSize=100"))!["runs"]!.AsArray();
        Assert.Single(runs, r => r!["instanceId"]!.GetValue<string>() == id);

        await fixture.Host.WaitForRunAsync(id);
        JsonObject status = Structured(await client.CallToolAsync(WorkflowTools.RunStatusTool, new Dictionary<string, object?> { ["instanceId"] = id }));
        Assert.Equal(id, status["instanceId"]!.GetValue<string>());
        Assert.Equal("document-summary", status["workflow"]!.GetValue<string>());
        Assert.Equal("completed", status["state"]!.GetValue<string>());
        Assert.Equal("Over MCP", status["input"]!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task StartTool_BadArguments_AnswerAnMcpErrorNamingTheField_NeverA500()
    {
        await using McpClient client = await ConnectAsync();

        JsonObject missing = Problem(await client.CallToolAsync("document-summary", new Dictionary<string, object?> { ["title"] = "No text" }));
        JsonObject wrongType = Problem(await client.CallToolAsync("content-publishing", new Dictionary<string, object?> { ["topic"] = 42, ["audience"] = "developers" }));
        JsonObject badKey = Problem(await client.CallToolAsync("daily-digest", new Dictionary<string, object?> { ["edition"] = "x", [WorkflowTools.IdempotencyKeyArgument] = 7 }));
        JsonObject noId = Problem(await client.CallToolAsync(WorkflowTools.RunStatusTool, new Dictionary<string, object?>()));
        JsonObject unknownRun = Problem(await client.CallToolAsync(WorkflowTools.RunStatusTool, new Dictionary<string, object?> { ["instanceId"] = "document-summary:no-such-run" }));
        McpProtocolException unknownTool = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("no-such-workflow").AsTask());

        Assert.Equal(400, missing["status"]!.GetValue<int>());
        Assert.Contains(Fields(missing), f => f == "/text");
        Assert.Contains(Fields(wrongType), f => f == "/topic");
        Assert.Equal(["/idempotencyKey"], Fields(badKey));
        Assert.Equal(["/instanceId"], Fields(noId));
        Assert.Equal(404, unknownRun["status"]!.GetValue<int>());
        Assert.Equal(McpErrorCode.InvalidParams, unknownTool.ErrorCode);

        // A key reused with another input is refused, naming the run it belongs to.
        string key = "mcp-conflict-" + Guid.NewGuid().ToString("N");
        Structured(await client.CallToolAsync("document-summary", new Dictionary<string, object?> { ["title"] = "Morning", ["text"] = OperatorHost.SummaryText, [WorkflowTools.IdempotencyKeyArgument] = key }));
        JsonObject conflict = Problem(await client.CallToolAsync("document-summary", new Dictionary<string, object?> { ["title"] = "Evening", ["text"] = OperatorHost.SummaryText, [WorkflowTools.IdempotencyKeyArgument] = key }));
        Assert.Equal(409, conflict["status"]!.GetValue<int>());
        Assert.Equal(["/idempotencyKey"], Fields(conflict));
        Assert.NotNull(conflict["instanceId"]);
    }

    [Fact]
    public async Task PendingApprovalsTool_ListsTheOpenGate_WithoutADecisionToken()
    {
        string waiting = await fixture.WaitingAtGateAsync("approvals over MCP");
        await using McpClient client = await ConnectAsync();

        JsonObject listed = Structured(await client.CallToolAsync(WorkflowTools.PendingApprovalsTool));

        JsonObject gate = listed["approvals"]!.AsArray().Select(a => a!.AsObject()).Single(a => a["instanceId"]!.GetValue<string>() == waiting);
        Assert.Equal("content-publishing", gate["workflow"]!.GetValue<string>());
        Assert.False(gate.ContainsKey("decisionToken"));
        JsonObject status = Structured(await client.CallToolAsync(WorkflowTools.RunStatusTool, new Dictionary<string, object?> { ["instanceId"] = waiting }));
        Assert.Equal("waiting-for-approval", status["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Mcp_WithoutTheOperatorKey_Is401()
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Http.BaseAddress };
        using var initialize = new HttpRequestMessage(HttpMethod.Post, Endpoint)
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}""",
                Encoding.UTF8, "application/json"),
        };
        initialize.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        initialize.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using HttpResponseMessage refused = await anonymous.SendAsync(initialize);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("x-functions-key", await refused.Content.ReadAsStringAsync());

        Exception sdk = await Assert.ThrowsAnyAsync<Exception>(async () => await ConnectAsync(key: null));
        Assert.Contains("401", sdk.ToString());
        await Assert.ThrowsAnyAsync<Exception>(async () => await ConnectAsync(key: "not-the-key"));
    }

    /// <summary>What docs/mcp.md shows with curl: one JSON-RPC POST per call, no session, the reply as a server-sent event.</summary>
    [Fact]
    public async Task Mcp_PlainJsonRpcPosts_ListAndCallTools_WithoutASession()
    {
        JsonObject listed = await PostAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""");
        JsonObject called = await PostAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_pending_approvals","arguments":{}}}""");

        Assert.Contains(listed["result"]!["tools"]!.AsArray(), t => t!["name"]!.GetValue<string>() == "document-summary");
        Assert.NotNull(called["result"]!["structuredContent"]!["approvals"]);
    }

    /// <summary>Whatever arrives at /api/mcp, the answer is a 4xx or an MCP error, never a 500, and the host keeps serving.</summary>
    [Theory]
    [InlineData("not json at all")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"no/such/method"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"document-summary","arguments":[1,2]}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"document-summary","arguments":{"title":null,"text":{"a":[]}}}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_run_status","arguments":{"instanceId":"\u0000../%2e"}}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{}}}""")]
    [InlineData("DEEP")]
    [InlineData("LARGE")]
    [InlineData("LARGE-CHUNKED")]
    public async Task Mcp_MalformedOrHostileMessages_NeverA500(string message)
    {
        string deep = string.Concat(Enumerable.Repeat("{\"a\":", 40)) + "1" + new string('}', 40);
        string body = message switch
        {
            "DEEP" => Call("""{"title":"t","text":""" + deep + "}"),
            "LARGE" or "LARGE-CHUNKED" => Call("""{"title":"t","text":""" + "\"" + new string('x', 2 * 1024 * 1024) + "\"}"),
            _ => message,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint)
        {
            Content = message == "LARGE-CHUNKED"
                ? new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)))
                : new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (message == "LARGE-CHUNKED")
        {
            request.Headers.TransferEncodingChunked = true;
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));

        using HttpResponseMessage response = await fixture.Http.SendAsync(request);
        string answer = await response.Content.ReadAsStringAsync();

        // A problem (401, 413) or a JSON-RPC answer: a 400 for what is no JSON-RPC message, an error result for params the
        // SDK cannot read (-32603), an isError tool result for arguments the workflow refuses.
        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {answer}");
        Assert.True(answer.Contains("\"jsonrpc\"", StringComparison.Ordinal) || answer.Contains("\"status\"", StringComparison.Ordinal), answer);
        if (message.StartsWith("LARGE", StringComparison.Ordinal))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        using HttpResponseMessage alive = await fixture.Http.GetAsync("api/workflows");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    static string Call(string arguments) =>
        """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"document-summary","arguments":""" + arguments + "}}";

    async Task<JsonObject> PostAsync(string message)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new StringContent(message, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("MCP-Protocol-Version", "2025-06-18");
        using HttpResponseMessage response = await fixture.Http.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        Assert.Null(response.Headers.Contains("Mcp-Session-Id") ? "a session id" : null);

        // text/event-stream: the JSON-RPC answer is the data of its one message event.
        string data = body.Split('\n').Single(line => line.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..];
        return JsonNode.Parse(data)!.AsObject();
    }

    async Task<McpClient> ConnectAsync(string? key = StandaloneHostProcess.OperatorKey)
    {
        var options = new HttpClientTransportOptions
        {
            Endpoint = new Uri(fixture.Http.BaseAddress!, Endpoint),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = key is null ? null : new Dictionary<string, string> { ["x-functions-key"] = key },
        };
        return await McpClient.CreateAsync(new HttpClientTransport(options));
    }

    static JsonObject Structured(CallToolResult result)
    {
        Assert.True(result.IsError is null or false, Text(result));
        JsonObject content = JsonNode.Parse(result.StructuredContent!.Value.GetRawText())!.AsObject();
        Assert.Equal(content.ToJsonString(), JsonNode.Parse(Text(result))!.ToJsonString());
        return content;
    }

    static JsonObject Problem(CallToolResult result)
    {
        Assert.True(result.IsError, Text(result));
        JsonObject problem = JsonNode.Parse(result.StructuredContent!.Value.GetRawText())!.AsObject();
        Assert.InRange(problem["status"]!.GetValue<int>(), 400, 499);
        return problem;
    }

    static string[] Fields(JsonObject problem) =>
        [.. (problem["errors"]?.AsArray() ?? []).Select(e => e!["field"]!.GetValue<string>())];

    static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));
}
