using Azure;
using Grpc.Core;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StreamCanvas.Api;

namespace StreamCanvas.Hosting.Standalone;

/// <summary>
/// When the task hub's storage (or the sidecar in front of it) cannot be reached, a request is not at fault and the
/// engine is not broken: it answers 503 problem+json with Retry-After, so clients retry instead of reporting a bug.
/// </summary>
public sealed partial class StorageUnavailableHandler(ILogger<StorageUnavailableHandler> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsTransient(exception) || context.Response.HasStarted)
        {
            return false;
        }

        LogUnavailable(context.Request.Method, context.Request.Path, exception);
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        IResult problem = Problems.Of(StatusCodes.Status503ServiceUnavailable, "Service unavailable",
            $"the engine's storage is not reachable right now; retry in {RetryAfterSeconds} s");
        await problem.ExecuteAsync(context);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path}: storage or sidecar unavailable, answered 503")]
    partial void LogUnavailable(string method, string path, Exception exception);

    static bool IsTransient(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Unknown or StatusCode.Internal or StatusCode.ResourceExhausted }
                or RequestFailedException { Status: 0 or >= 500 }
                or HttpRequestException)
            {
                return true;
            }
        }

        return false;
    }
}
