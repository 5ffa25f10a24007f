using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace StreamCanvas.Testing;

/// <summary>
/// A local OpenAI-compatible chat completions endpoint, so tests drive the real Azure.AI.OpenAI / OpenAI client
/// code path. Each request takes the next scripted reply; the last one repeats. Replies can call tools
/// (<see cref="Reply.ToolCalls"/>), as a model driving an agent step does.
/// </summary>
public sealed class OpenAIStub : IAsyncDisposable
{
    readonly StubHttpServer server;
    readonly ConcurrentQueue<Reply> replies = new();
    Reply last = Reply.Completion("hello");

    OpenAIStub(StubHttpServer server) => this.server = server;

    public ConcurrentQueue<(string Path, JsonObject Body)> Requests { get; } = new();

    /// <summary>Base URL of the OpenAI-compatible API (…/v1).</summary>
    public string BaseUrl => server.BaseUrl + "/v1";

    /// <summary>The resource endpoint as Azure OpenAI clients take it.</summary>
    public string AzureEndpoint => server.BaseUrl;

    public static async Task<OpenAIStub> StartAsync()
    {
        OpenAIStub? self = null;
        StubHttpServer server = await StubHttpServer.StartAsync(context => self!.HandleAsync(context));
        self = new OpenAIStub(server);
        return self;
    }

    public void Enqueue(params Reply[] scripted)
    {
        foreach (Reply reply in scripted)
        {
            replies.Enqueue(reply);
        }
    }

    async Task HandleAsync(HttpContext context)
    {
        JsonObject body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        Requests.Enqueue((context.Request.Path.Value!, body));
        Reply reply = replies.TryDequeue(out Reply? next) ? last = next : last;
        context.Response.StatusCode = reply.Status;
        foreach ((string name, string value) in reply.Headers)
        {
            context.Response.Headers[name] = value;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(reply.Body.ToJsonString());
    }

    public ValueTask DisposeAsync() => server.DisposeAsync();

    public sealed record Reply(int Status, JsonObject Body, IReadOnlyDictionary<string, string> Headers)
    {
        public static Reply Completion(string content, int promptTokens = 12, int completionTokens = 7, string model = "gpt-stub") => new(200, new JsonObject
        {
            ["id"] = "chatcmpl-1",
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["finish_reason"] = "stop",
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens, ["total_tokens"] = promptTokens + completionTokens },
        }, new Dictionary<string, string>());

        /// <summary>An assistant turn that calls tools: (call id, function name, arguments as a JSON object text).</summary>
        public static Reply ToolCalls(int promptTokens, int completionTokens, params (string Id, string Name, string Arguments)[] calls) => new(200, new JsonObject
        {
            ["id"] = "chatcmpl-tools",
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000,
            ["model"] = "gpt-stub",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["finish_reason"] = "tool_calls",
                ["message"] = new JsonObject
                {
                    ["role"] = "assistant",
                    ["content"] = null,
                    ["tool_calls"] = new JsonArray([.. calls.Select(call => (JsonNode)new JsonObject
                    {
                        ["id"] = call.Id,
                        ["type"] = "function",
                        ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.Arguments },
                    })]),
                },
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens, ["total_tokens"] = promptTokens + completionTokens },
        }, new Dictionary<string, string>());

        public static Reply ToolCall(string id, string name, string arguments) => ToolCalls(30, 10, (id, name, arguments));

        public static Reply Error(int status, string message, IReadOnlyDictionary<string, string>? headers = null) => new(status, new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = "server_error", ["code"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        }, headers ?? new Dictionary<string, string>());
    }
}
