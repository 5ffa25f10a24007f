using Grpc.Core;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using StreamCanvas.Api;
using StreamCanvas.Functions;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Api;

public sealed class UnexpectedErrorsTests
{
    [Fact]
    public async Task ToProblem_BackendUnavailable_Is503WithRetryAfter()
    {
        var http = ResultExecutor.NewContext("GET");

        var (status, headers, body) = await ResultExecutor.ExecuteAsync(
            UnexpectedErrors.ToProblem(new RpcException(new Status(StatusCode.Unavailable, "connection refused"))), http);

        Assert.Equal(503, status);
        Assert.Equal("5", headers.RetryAfter.ToString());
        Assert.Equal("application/problem+json", headers.ContentType.ToString());
        Assert.NotEmpty(body!["traceId"]!.GetValue<string>());
    }

    [Fact]
    public async Task ToProblem_AnythingElse_Is500ProblemJsonNamingTheTrace()
    {
        var http = ResultExecutor.NewContext("GET");

        var (status, _, body) = await ResultExecutor.ExecuteAsync(UnexpectedErrors.ToProblem(new InvalidOperationException("boom")), http);

        Assert.Equal(500, status);
        Assert.NotEmpty(body!["traceId"]!.GetValue<string>());
        Assert.DoesNotContain("boom", body.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Middleware_HttpFunctionThrows_AnswersProblemJson()
    {
        var http = ResultExecutor.NewContext("GET");
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.Items).Returns(new Dictionary<object, object> { ["HttpRequestContext"] = http });
        context.SetupGet(c => c.InvocationId).Returns("inv-1");
        var definition = new Mock<FunctionDefinition>();
        definition.SetupGet(d => d.Name).Returns("StartRun");
        context.SetupGet(c => c.FunctionDefinition).Returns(definition.Object);
        var middleware = new ProblemDetailsMiddleware(NullLogger<ProblemDetailsMiddleware>.Instance);

        await middleware.Invoke(context.Object, _ => throw new RpcException(new Status(StatusCode.Unavailable, "down")));

        Assert.Equal(503, http.Response.StatusCode);
        Assert.Equal("application/problem+json", http.Response.ContentType);
    }
}
