using System.Text.Json.Nodes;
using StreamCanvas.Api;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Api;

public sealed class SampleCmsTests
{
    readonly SampleCms cms = new();

    async Task<(int Status, Microsoft.AspNetCore.Http.IHeaderDictionary Headers, JsonNode? Body)> PublishAsync(string body, string? key)
    {
        var context = ResultExecutor.NewContext(body: body, contentType: "application/json");
        if (key is not null)
        {
            context.Request.Headers[SampleCms.IdempotencyKeyHeader] = key;
        }

        return await ResultExecutor.ExecuteAsync(await cms.PublishAsync(context.Request, CancellationToken.None), context);
    }

    [Fact]
    public async Task Publish_SameIdempotencyKeyTwice_CreatesOneArticleAndReplaysIt()
    {
        var first = await PublishAsync("""{ "title": "Durable timers" }""", "key-1");
        var again = await PublishAsync("""{ "title": "Durable timers" }""", "key-1");

        Assert.Equal((201, 201), (first.Status, again.Status));
        Assert.Equal(first.Body!["id"]!.GetValue<string>(), again.Body!["id"]!.GetValue<string>());
        Assert.Equal("true", again.Headers["Idempotent-Replayed"].ToString());
        Assert.Equal(1, cms.Published);
    }

    [Fact]
    public async Task Publish_WithoutAKeyOrWithAnotherKey_CreatesAnotherArticle()
    {
        await PublishAsync("""{ "title": "a" }""", "key-1");
        await PublishAsync("""{ "title": "a" }""", "key-2");
        await PublishAsync("""{ "title": "a" }""", null);

        Assert.Equal(3, cms.Published);
    }
}
