using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Moq;
using StreamCanvas.Functions;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Functions;

/// <summary>Under `func start` (Development) the worker answers only requests addressed to a loopback host.</summary>
public sealed class LocalOnlyMiddlewareTests
{
    static (Mock<FunctionContext> Context, DefaultHttpContext Http) Invocation(string host)
    {
        DefaultHttpContext http = ResultExecutor.NewContext("GET");
        http.Request.Host = new HostString(host);
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.Items).Returns(new Dictionary<object, object> { ["HttpRequestContext"] = http });
        return (context, http);
    }

    static async Task<bool> RunsTheFunctionAsync(string environment, Mock<FunctionContext> context)
    {
        bool ran = false;
        var middleware = new LocalOnlyMiddleware(new HostingEnvironment { EnvironmentName = environment });
        await middleware.Invoke(context.Object, _ =>
        {
            ran = true;
            return Task.CompletedTask;
        });
        return ran;
    }

    [Theory]
    [InlineData("localhost:7071")]
    [InlineData("127.0.0.1:7071")]
    [InlineData("[::1]:7071")]
    [InlineData("app.localhost")]
    public async Task Invoke_DevelopmentLoopbackHost_RunsTheFunction(string host)
    {
        (Mock<FunctionContext> context, DefaultHttpContext http) = Invocation(host);

        Assert.True(await RunsTheFunctionAsync(Environments.Development, context));
        Assert.Equal(200, http.Response.StatusCode);
    }

    [Theory]
    [InlineData("attacker.example:7071")]
    [InlineData("127.0.0.1.nip.io")]
    [InlineData("10.0.0.5")]
    public async Task Invoke_DevelopmentOtherHost_Answers400ProblemJsonAndRunsNothing(string host)
    {
        (Mock<FunctionContext> context, DefaultHttpContext http) = Invocation(host);

        bool ran = await RunsTheFunctionAsync(Environments.Development, context);
        http.Response.Body.Position = 0;
        string body = await new StreamReader(http.Response.Body).ReadToEndAsync();

        Assert.False(ran);
        Assert.Equal(400, http.Response.StatusCode);
        Assert.Equal("application/problem+json", http.Response.ContentType);
        Assert.Contains("\"Host\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_ProductionAnyHost_RunsTheFunction()
    {
        (Mock<FunctionContext> context, _) = Invocation("streamcanvas.azurewebsites.net");

        Assert.True(await RunsTheFunctionAsync(Environments.Production, context));
    }

    [Fact]
    public async Task Invoke_NotAnHttpInvocation_RunsTheFunction()
    {
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.Items).Returns(new Dictionary<object, object>());

        Assert.True(await RunsTheFunctionAsync(Environments.Development, context));
    }
}
