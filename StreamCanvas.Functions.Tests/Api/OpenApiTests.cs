using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Azure.Functions.Worker;
using StreamCanvas.Api;

namespace StreamCanvas.Tests.Api;

/// <summary>The OpenAPI description lists every route the app serves.</summary>
public sealed class OpenApiTests
{
    [Fact]
    public void OpenApi_EveryHttpTrigger_IsDescribedWithItsMethod()
    {
        JsonObject paths = JsonNode.Parse(OpenApiDocument.Text)!["paths"]!.AsObject();
        var triggers = typeof(OpenApiDocument).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .SelectMany(m => m.GetParameters())
            .Select(p => p.GetCustomAttribute<HttpTriggerAttribute>())
            .OfType<HttpTriggerAttribute>()
            .SelectMany(t => (t.Methods ?? []).Select(method => (Path: $"/{ApiRoutes.Prefix}/{t.Route}", Method: method.ToLowerInvariant())))
            .ToList();

        Assert.NotEmpty(triggers);
        Assert.All(triggers, t => Assert.True(paths[t.Path]?[t.Method] is JsonObject, $"{t.Method.ToUpperInvariant()} {t.Path} is not in Api/openapi.json"));

        // And nothing described that no trigger serves.
        var described = paths.SelectMany(p => p.Value!.AsObject().Select(m => (Path: p.Key, Method: m.Key))).ToList();
        Assert.Equal(described.Order(), triggers.Distinct().Order());
    }

    [Fact]
    public async Task GetOpenApi_StandaloneHost_ServesTheDocumentWithoutAKey()
    {
        await using var host = await StandaloneHostProcess.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = host.Http.BaseAddress };

        JsonObject document = (await anonymous.GetFromJsonAsync<JsonObject>("api/openapi.json"))!;

        Assert.Equal("3.0.3", document["openapi"]!.GetValue<string>());
        Assert.NotNull(document["paths"]!["/api/runs/{id}/restart"]);
    }
}
