using System.Diagnostics;
using System.Text;
using StreamCanvas.Testing;

namespace StreamCanvas.Bench;

/// <summary>The standalone host as `dotnet StreamCanvas.Functions.dll` runs it, from the app's own build output.</summary>
public sealed class EngineProcess : IAsyncDisposable
{
    public const string OperatorKey = "bench-operator-key";
    public const string SigningKey = "bench-signing-key";

    readonly Process process;
    readonly StringBuilder output = new();

    EngineProcess(Process process, HttpClient http)
    {
        this.process = process;
        Http = http;
    }

    public HttpClient Http { get; }

    public static async Task<EngineProcess> StartAsync(string connectionString, string taskHub, IReadOnlyDictionary<string, string> overrides)
    {
        int port = LoopbackPorts.Free();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(Paths.AppOutput, "StreamCanvas.Functions.dll") },
            WorkingDirectory = Paths.AppOutput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var settings = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = connectionString,
            ["TaskHubName"] = taskHub,
            ["WorkflowStarts__Queue"] = "starts-" + taskHub.ToLowerInvariant(),
            ["Operator__ApiKey"] = OperatorKey,
            ["Standalone__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Standalone__StartAzurite"] = "false",
            ["Workflows__Path"] = Paths.Workflows,
            ["Approvals__SigningKey"] = SigningKey,
            ["Approvals__PublicBaseUrl"] = $"http://127.0.0.1:{port}",
            ["Logging__LogLevel__Default"] = "Warning",

            // A sample's schedule firing mid-measurement would add runs nobody started.
            ["Schedules__Enabled"] = "false",
        };
        foreach ((string key, string value) in overrides)
        {
            settings[key] = value;
        }

        foreach ((string key, string value) in settings)
        {
            start.Environment[key] = value;
        }

        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Add("x-functions-key", OperatorKey);
        var engine = new EngineProcess(Process.Start(start)!, http);
        engine.process.OutputDataReceived += (_, e) => { lock (engine.output) { engine.output.AppendLine(e.Data); } };
        engine.process.ErrorDataReceived += (_, e) => { lock (engine.output) { engine.output.AppendLine(e.Data); } };
        engine.process.BeginOutputReadLine();
        engine.process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline && !engine.process.HasExited)
        {
            try
            {
                using HttpResponseMessage response = await http.GetAsync("api/workflows");
                if (response.IsSuccessStatusCode)
                {
                    return engine;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250);
        }

        lock (engine.output)
        {
            throw new InvalidOperationException($"the engine did not start:\n{engine.output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        Http.Dispose();
    }
}

/// <summary>Where the app's build output and the benchmark's workflows are (the repository paths come from StreamCanvas.Testing).</summary>
public static class Paths
{
    public static string Root => RepoPaths.Root;

    public static string Workflows => Path.Combine(AppContext.BaseDirectory, "workflows");

    public static string AppOutput => RepoPaths.AppOutput;
}
