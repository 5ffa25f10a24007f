namespace StreamCanvas.Hosting;

/// <summary>Which host launched the app: the Azure Functions host, or `dotnet run` on its own.</summary>
public static class HostMode
{
    /// <summary>
    /// The Functions host starts the worker with its gRPC endpoint on the command line (--functions-uri, or
    /// --host/--port on older hosts) and sets FUNCTIONS_WORKER_RUNTIME; a plain `dotnet run` has neither.
    /// </summary>
    public static bool IsFunctionsHost(string[] args, Func<string, string?> environment) =>
        args.Any(a => a is "--functions-uri" or "--host" or "--functions-worker-id" or "--workerId") ||
        !string.IsNullOrEmpty(environment("Functions__Worker__HostEndpoint"));
}
