using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace StreamCanvas.Api;

/// <summary>
/// What a caller gets when a handler fails for a reason that is not the request's fault: problem+json, never an
/// empty 500. A backend that is not reachable (the task hub's storage, the Durable sidecar) is a 503 with
/// Retry-After, since trying again shortly can succeed; anything else is a 500. Both carry the traceId.
/// </summary>
public static class UnexpectedErrors
{
    public static IResult ToProblem(Exception error) => error switch
    {
        OperationCanceledException => Problems.Of(499, "Client closed request", "the request was cancelled"),
        _ when IsTransient(error) =>
            new RetryAfterResult(Problems.Of(StatusCodes.Status503ServiceUnavailable, "Engine unavailable",
                "the workflow engine's storage or sidecar is not reachable right now; try again shortly"), seconds: 5),
        _ => Problems.Of(StatusCodes.Status500InternalServerError, "Unexpected error",
            "the engine failed to handle this request; its traceId identifies it in the logs"),
    };

    /// <summary>Storage or sidecar trouble anywhere in the chain: the request was fine, trying again can succeed.</summary>
    public static bool IsTransient(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
        {
            if (error is RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Unknown or StatusCode.Internal or StatusCode.ResourceExhausted }
                or Azure.RequestFailedException { Status: 0 or >= 500 }
                or HttpRequestException
                or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    sealed class RetryAfterResult(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
