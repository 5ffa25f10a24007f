using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using StreamCanvas.Api;

namespace StreamCanvas.Functions;

/// <summary>Under the Functions host, an HTTP trigger that throws answers problem+json like the standalone host.</summary>
public sealed partial class ProblemDetailsMiddleware(ILogger<ProblemDetailsMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (context.GetHttpContext() is { Response.HasStarted: false } http)
        {
            LogUnexpected(ex, context.FunctionDefinition.Name);
            await UnexpectedErrors.ToProblem(ex).ExecuteAsync(http);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "HTTP function {Function} failed")]
    partial void LogUnexpected(Exception error, string function);
}
