using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace StreamCanvas.Bench;

/// <summary>
/// An OpenAI-compatible chat completions endpoint that answers after <see cref="Latency"/>, so the engine's real
/// openai-compatible provider path is measured with a model that takes seconds. With a rate limit it answers 429
/// (Retry-After: 1) to requests beyond that many started in the last second, as a deployment over its quota does.
/// </summary>
public sealed class ModelStub : IAsyncDisposable
{
    readonly WebApplication app;
    readonly Queue<DateTime> recent = new();
    long answered;
    long throttled;

    ModelStub(WebApplication app, TimeSpan latency, int? requestsPerSecond)
    {
        this.app = app;
        Latency = latency;
        RequestsPerSecond = requestsPerSecond;
    }

    public TimeSpan Latency { get; }
    public int? RequestsPerSecond { get; }
    public string BaseUrl => app.Urls.Single() + "/v1";
    public long Answered => Interlocked.Read(ref answered);
    public long Throttled => Interlocked.Read(ref throttled);

    public static async Task<ModelStub> StartAsync(TimeSpan latency, int? requestsPerSecond = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        var stub = new ModelStub(app, latency, requestsPerSecond);
        app.Run(stub.HandleAsync);
        await app.StartAsync();
        return stub;
    }

    async Task HandleAsync(HttpContext context)
    {
        JsonNode? body = await JsonNode.ParseAsync(context.Request.Body);
        if (!Admit())
        {
            Interlocked.Increment(ref throttled);
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = "1";
            await context.Response.WriteAsJsonAsync(new { error = new { message = "Rate limit is exceeded. Try again in 1 second.", type = "rate_limit", code = "429" } });
            return;
        }

        await Task.Delay(Latency);
        Interlocked.Increment(ref answered);
        string prompt = body?["messages"]?.AsArray().LastOrDefault()?["content"]?.ToString() ?? "";
        string text = $"[stub] answer to: {(prompt.Length > 120 ? prompt[..120] : prompt)}";
        await context.Response.WriteAsJsonAsync(new JsonObject
        {
            ["id"] = "chatcmpl-bench",
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000,
            ["model"] = "gpt-bench-stub",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["finish_reason"] = "stop",
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text },
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = prompt.Length / 4 + 10, ["completion_tokens"] = text.Length / 4, ["total_tokens"] = prompt.Length / 4 + 10 + text.Length / 4 },
        });
    }

    /// <summary>Counts the request against the last second's; false when that is over the rate.</summary>
    bool Admit()
    {
        if (RequestsPerSecond is not int rate)
        {
            return true;
        }

        lock (recent)
        {
            DateTime now = DateTime.UtcNow;
            while (recent.Count > 0 && now - recent.Peek() > TimeSpan.FromSeconds(1))
            {
                recent.Dequeue();
            }

            if (recent.Count >= rate)
            {
                return false;
            }

            recent.Enqueue(now);
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
