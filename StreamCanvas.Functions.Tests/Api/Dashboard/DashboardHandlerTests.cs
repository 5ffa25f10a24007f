using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using StreamCanvas.Api.Dashboard;

namespace StreamCanvas.Tests.Api.Dashboard;

public sealed class DashboardHandlerTests
{
    static DashboardHandler Handler(string environment) =>
        new(Mock.Of<IHostEnvironment>(e => e.EnvironmentName == environment));

    static async Task<(int Status, string? Type, string Body)> ExecuteAsync(IResult result)
    {
        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddLogging().AddSingleton(NullLoggerFactory.Instance).BuildServiceProvider(),
        };
        context.Response.Body = new MemoryStream();
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        return (context.Response.StatusCode, context.Response.ContentType, await new StreamReader(context.Response.Body).ReadToEndAsync());
    }

    [Theory]
    [InlineData("dashboard.js", "text/javascript")]
    [InlineData("chart.umd.min.js", "text/javascript")]
    [InlineData("dashboard.css", "text/css")]
    public async Task Asset_EmbeddedFile_IsServedWithItsType(string file, string type)
    {
        (int status, string? contentType, string body) = await ExecuteAsync(Handler(Environments.Production).Asset(file));

        Assert.Equal(200, status);
        Assert.StartsWith(type, contentType);
        Assert.NotEmpty(body);
    }

    [Fact]
    public async Task Page_Always_IsTheHtmlThatLoadsTheVendoredChartJs()
    {
        (int status, string? contentType, string body) = await ExecuteAsync(Handler(Environments.Production).Page());

        Assert.Equal(200, status);
        Assert.StartsWith("text/html", contentType);
        Assert.Contains("dashboard/chart.umd.min.js", body);
        Assert.DoesNotContain("https://", body);
    }

    [Theory]
    [InlineData("../StreamCanvas.Functions.dll")]
    [InlineData("openapi.json")]
    [InlineData("missing.js")]
    public async Task Asset_NotADashboardFile_IsNotFound(string file) =>
        Assert.Equal(404, (await ExecuteAsync(Handler(Environments.Production).Asset(file))).Status);

    [Theory]
    [InlineData("Development", "{\"development\":true,\"operatorKey\":\"dev-key\"}")]
    [InlineData("Production", "{\"development\":false,\"operatorKey\":null}")]
    public async Task Asset_Config_OffersTheKeyOnlyInDevelopment(string environment, string expected) =>
        Assert.Equal(expected, (await ExecuteAsync(Handler(environment).Asset(DashboardHandler.ConfigFile, "dev-key"))).Body);
}
