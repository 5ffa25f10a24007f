using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Hosting;
using StreamCanvas.Api;

namespace StreamCanvas.Functions;

/// <summary>Under `func start` (Development) only loopback Host headers are answered; see <see cref="LocalRequests"/>.</summary>
public sealed class LocalOnlyMiddleware(IHostEnvironment environment) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is { } http && LocalRequests.Refuse(http.Request, environment) is { } refused)
        {
            await refused.ExecuteAsync(http);
            return;
        }

        await next(context);
    }
}
