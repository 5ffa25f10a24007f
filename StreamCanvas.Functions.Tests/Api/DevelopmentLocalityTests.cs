using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using StreamCanvas.Api;

namespace StreamCanvas.Tests.Api;

/// <summary>
/// A Development host hands out its operator key and decision tokens, so it must only ever answer its own
/// machine, and refuse the requests a cross-site page can send without a preflight.
/// </summary>
public sealed class DevelopmentLocalityTests
{
    [Theory]
    [InlineData("localhost", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("[::1]", true)]
    [InlineData("app.localhost", true)]
    [InlineData("rebinding.attacker.example", false)]
    [InlineData("127.0.0.1.nip.io", false)]
    public void IsLoopbackHost_HostHeader_OnlyLoopbackNames(string host, bool loopback) =>
        Assert.Equal(loopback, LocalRequests.IsLoopbackHost(new HostString(host, 7071)));

    [Theory]
    [InlineData("application/json", true)]
    [InlineData("application/json; charset=utf-8", true)]
    [InlineData("text/plain;x=+json", false)]
    [InlineData("text/plain", false)]
    [InlineData("application/x-www-form-urlencoded", false)]
    public void IsJson_ContentType_OnlyApplicationJson(string contentType, bool json) =>
        Assert.Equal(json, JsonBody.IsJson(contentType));

    [Fact]
    public async Task DevelopmentHost_OtherHostOrSimpleCrossSiteRequests_AreRefused()
    {
        await using var host = await StandaloneHostProcess.StartAsync(new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
        });
        using var anonymous = new HttpClient { BaseAddress = host.Http.BaseAddress };

        using var rebound = new HttpRequestMessage(HttpMethod.Get, "api/dashboard/config.json");
        rebound.Headers.Host = "rebinding.attacker.example";
        using HttpResponseMessage refusedConfig = await anonymous.SendAsync(rebound);
        using var pendingRebound = new HttpRequestMessage(HttpMethod.Get, "api/approvals?status=pending");
        pendingRebound.Headers.Host = "rebinding.attacker.example";
        pendingRebound.Headers.Add("x-functions-key", StandaloneHostProcess.OperatorKey);
        using HttpResponseMessage refusedPending = await anonymous.SendAsync(pendingRebound);
        using HttpResponseMessage localConfig = await anonymous.GetAsync("api/dashboard/config.json");
        var plain = new StringContent("""{ "document": "x" }""", Encoding.UTF8);
        plain.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("text/plain;x=+json");
        using HttpResponseMessage textPlain = await host.Http.PostAsync("api/workflows/document-summary/runs", plain);
        using var withQueryKey = new HttpRequestMessage(HttpMethod.Post, $"api/workflows/document-summary/runs?code={StandaloneHostProcess.OperatorKey}")
        {
            Content = new StringContent("""{ "document": "x" }""", Encoding.UTF8, "application/json"),
        };
        using HttpResponseMessage queryKeyPost = await anonymous.SendAsync(withQueryKey);

        Assert.Equal(HttpStatusCode.BadRequest, refusedConfig.StatusCode);
        Assert.Contains("Host", await refusedConfig.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(StandaloneHostProcess.OperatorKey, await refusedConfig.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, refusedPending.StatusCode);
        Assert.Equal(HttpStatusCode.OK, localConfig.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, textPlain.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, queryKeyPost.StatusCode);
    }
}
