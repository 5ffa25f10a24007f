using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using StreamCanvas.Definitions;

namespace StreamCanvas.Api;

/// <summary>
/// The demo CMS behind POST /api/samples/articles, deduplicating as a real service should: a request repeating an
/// Idempotency-Key it has seen (a tool call retried after a timeout, or made again after the engine died before
/// checkpointing it) gets the article the first request created, marked Idempotent-Replayed, and no new one.
/// Keys are remembered in memory, the most recent <see cref="RememberedKeys"/> of them: it is a sample.
/// </summary>
public sealed class SampleCms
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const int RememberedKeys = 10_000;

    readonly ConcurrentDictionary<string, Lazy<Article>> byKey = new(StringComparer.Ordinal);
    readonly ConcurrentQueue<string> keyOrder = new();
    int published;

    /// <summary>Articles created (not replayed) since start.</summary>
    public int Published => Volatile.Read(ref published);

    public async Task<IResult> PublishAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        (JsonNode? body, IResult? problem) = await JsonBody.ReadAsync(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (body?["title"] is not JsonValue title || string.IsNullOrWhiteSpace(title.ToString()))
        {
            return Problems.BadRequest("an article needs a title", new FieldError("/title", "required"));
        }

        string? key = request.Headers[IdempotencyKeyHeader];
        if (string.IsNullOrEmpty(key))
        {
            return Created(Create(body, title.ToString()));
        }

        bool created = false;
        Article article = byKey.GetOrAdd(key, _ => new Lazy<Article>(() =>
        {
            created = true;
            keyOrder.Enqueue(key);
            return Create(body, title.ToString());
        })).Value;
        Forget();
        if (!created)
        {
            request.HttpContext.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return Created(article);
    }

    Article Create(JsonNode body, string title)
    {
        Interlocked.Increment(ref published);
        string id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body.ToJsonString())))[..12];
        return new Article(id, title, $"https://cms.example.com/articles/{id}");
    }

    void Forget()
    {
        while (keyOrder.Count > RememberedKeys && keyOrder.TryDequeue(out string? oldest))
        {
            byKey.TryRemove(oldest, out _);
        }
    }

    static IResult Created(Article article) => Results.Created($"/articles/{article.Id}", article);

    public sealed record Article(string Id, string Title, string Url);
}
