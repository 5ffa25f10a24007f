using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace StreamCanvas.Tests.Api;

/// <summary>
/// Generated requests to every route the OpenAPI document lists, on a real standalone host: random JSON shapes,
/// depths, sizes and unicode, odd ids, query strings and headers. Whatever arrives, the answer is never a 500
/// (a 503 only with Retry-After, for a busy sidecar) and the host keeps running. The seed makes a failure
/// repeatable: the message names the request that broke.
/// </summary>
public sealed class RouteFuzzTests
{
    const int Seed = 1414;
    const int CasesPerOperation = 8;

    [Fact]
    public async Task EveryRoute_GeneratedRequests_NeverA500_AndTheHostSurvives()
    {
        await using StandaloneHostProcess host = await StandaloneHostProcess.StartAsync();
        JsonObject openApi = JsonNode.Parse(await host.Http.GetStringAsync("api/openapi.json"))!.AsObject();
        var operations = openApi["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(op => (Path: path.Key, Method: op.Key.ToUpperInvariant())))
            .ToList();
        Assert.True(operations.Count >= 15, $"only {operations.Count} operations in the OpenAPI document");
        var random = new Random(Seed);
        var generator = new RequestFuzzer(random);
        var failures = new List<string>();

        foreach ((string path, string method) in operations)
        {
            for (int i = 0; i < CasesPerOperation; i++)
            {
                using HttpRequestMessage request = generator.Request(method, path);
                string described = $"{request.Method} {request.RequestUri}";
                long sent = request.Content?.Headers.ContentLength ?? 0;
                HttpResponseMessage response;
                try
                {
                    response = await host.Http.SendAsync(request);
                }
                catch (HttpRequestException) when (sent > StreamCanvas.Api.JsonBody.MaxBytes)
                {
                    // The host answered 413 and closed the connection before the client finished sending.
                    continue;
                }

                using HttpResponseMessage answered = response;
                int status = (int)response.StatusCode;
                if (status >= 500 && !(status == 503 && response.Headers.RetryAfter is not null))
                {
                    failures.Add($"{described} -> {status} {await response.Content.ReadAsStringAsync()}");
                }
            }
        }

        Assert.False(host.HasExited, host.Output);
        using HttpResponseMessage alive = await host.Http.GetAsync("api/workflows");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
    }
}

/// <summary>Random requests for a route template: the values that break handlers in practice, chosen by a seeded <see cref="Random"/>.</summary>
sealed class RequestFuzzer(Random random)
{
    /// <summary>Nodes one generated body may hold, so deep shapes stay narrow (bodies of a few KB, not exponential).</summary>
    const int NodeBudget = 400;

    int budget;

    static readonly string[] Ids =
    [
        "document-summary", "document-summary:abc", "content-publishing:00000000000000000000000000000000", "x", "%",
        "ü🙂漢字", "a/b", "..", "...", "a b", "\u0000", "'; DROP TABLE runs;--", "review-1", "%2e%2e%2f", "{{input.title}}",
        new string('a', 300), string.Concat(Enumerable.Repeat("🙂", 70)), "-1", "0", "null", "[]", "dashboard.js", "app.css",
    ];

    static readonly string[] Queries =
    [
        "", "?pageSize=-1", "?pageSize=100000", "?pageSize=abc", "?status=pending", "?status=%F0%9F%99%82", "?token=abc",
        "?token=", "?continuationToken=%ZZ", "?continuationToken=" + new string('A', 2000), "?instanceId=a%20b", "?createdFrom=yesterday",
        "?workflow=" + Uri.EscapeDataString("ü🙂"), "?reason=" + new string('r', 5000), "?purge=true&status=completed",
    ];

    static readonly string?[] ContentTypes =
    [
        "application/json", "application/json", "application/json; charset=utf-8", "application/problem+json", "text/plain", null,
        "application/x-www-form-urlencoded", "application/json; charset=utf-16",
    ];

    public HttpRequestMessage Request(string method, string template)
    {
        string path = System.Text.RegularExpressions.Regex.Replace(template, @"\{[^}]+\}", _ => Segment());
        var request = new HttpRequestMessage(new HttpMethod(method), path.TrimStart('/') + Pick(Queries));
        if (random.Next(4) == 0)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", random.Next(3) switch { 0 => "", 1 => new string('k', 400), _ => "key-" + random.Next() });
        }

        if (random.Next(6) == 0)
        {
            request.Headers.TryAddWithoutValidation("traceparent", random.Next(2) == 0 ? "garbage" : "00-" + new string('0', 32) + "-" + new string('0', 16) + "-01");
        }

        if (random.Next(8) == 0)
        {
            request.Headers.Remove("x-functions-key");
            request.Headers.TryAddWithoutValidation("x-functions-key", random.Next(2) == 0 ? "wrong" : "");
        }

        if (method is "POST" or "PUT" or "PATCH" or "DELETE" && random.Next(5) != 0)
        {
            byte[] body = Body();
            request.Content = new ByteArrayContent(body);
            if (Pick(ContentTypes) is { } contentType)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        return request;
    }

    string Segment()
    {
        string id = Pick(Ids);
        return random.Next(5) == 0 ? id.Replace("/", "%2F", StringComparison.Ordinal) : Uri.EscapeDataString(id);
    }

    byte[] Body() => random.Next(10) switch
    {
        0 => Encoding.UTF8.GetBytes("{\"title\": \"unterminated"),
        1 => [0xFF, 0xFE, 0x00, 0x7B],
        2 => Encoding.UTF8.GetBytes(new string('[', 70) + new string(']', 70)),
        3 => Encoding.UTF8.GetBytes("{\"big\":\"" + new string('x', 1024 * 1024 + 10) + "\"}"),
        _ => Encoding.UTF8.GetBytes(NewJson(random.Next(0, 45))?.ToJsonString() ?? "null"),
    };

    JsonNode? NewJson(int depth)
    {
        budget = NodeBudget;
        return Json(depth);
    }

    /// <summary>A random JSON value nesting up to <paramref name="depth"/> levels: objects with the field names handlers look for, arrays, odd scalars.</summary>
    JsonNode? Json(int depth)
    {
        if (depth <= 0 || --budget <= 0)
        {
            return random.Next(9) switch
            {
                0 => null,
                1 => JsonValue.Create(random.Next(2) == 0),
                2 => JsonValue.Create(random.NextDouble() * 1e300),
                3 => JsonValue.Create(long.MinValue),
                4 => JsonValue.Create(new string('é', random.Next(0, 3000))),
                5 => JsonValue.Create("ü🙂漢字\u202e"),
                6 => JsonValue.Create(""),
                7 => JsonValue.Create(-0.0),
                _ => JsonValue.Create("approve"),
            };
        }

        if (random.Next(3) == 0)
        {
            var array = new JsonArray();
            for (int i = random.Next(0, 3); i > 0; i--)
            {
                array.Add(Json(depth - 1 - random.Next(0, 2)));
            }

            array.Add(Json(depth - 1));
            return array;
        }

        string[] names = ["title", "text", "topic", "audience", "decision", "approver", "criteria", "snapshotHash", "input", "workflow", "comment", "reason", "ü🙂", ""];
        var obj = new JsonObject();
        for (int i = random.Next(1, 4); i > 0; i--)
        {
            obj[Pick(names)] = Json(random.Next(0, depth));
        }

        obj[Pick(names)] = Json(depth - 1);
        return obj;
    }

    T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
