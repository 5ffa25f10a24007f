using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using StreamCanvas.Standalone;

namespace StreamCanvas.Testing;

/// <summary>
/// The app as `dotnet StreamCanvas.Functions.dll` runs it standalone: a separate process on real Azurite,
/// which tests can kill (not a graceful stop) and start again on the same task hub.
/// </summary>
public sealed class StandaloneHostProcess : IAsyncDisposable
{
    readonly Dictionary<string, string> settings;
    readonly StringBuilder output = new();
    Process? process;

    StandaloneHostProcess(Dictionary<string, string> settings, int port)
    {
        this.settings = settings;
        Port = port;
        // A cap for a request that hangs, never a speed expectation: a 30 s timeout failed on a machine at load 97.
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMinutes(3) };
        Http.DefaultRequestHeaders.Add("x-functions-key", OperatorKey);
    }

    public int Port { get; }

    /// <summary>The operator key the host is configured with; <see cref="Http"/> sends it on every request.</summary>
    public const string OperatorKey = "integration-test-operator-key";

    /// <summary>The settings the process runs with (env-style keys, e.g. WorkflowStarts__Queue).</summary>
    public IReadOnlyDictionary<string, string> Settings => settings;
    public HttpClient Http { get; }
    public string Output { get { lock (output) { return output.ToString(); } } }

    /// <summary>Starts the app on the shared Azurite with its own task hub; <paramref name="extra"/> overrides any setting.</summary>
    public static async Task<StandaloneHostProcess> StartAsync(IDictionary<string, string>? extra = null, string? workflowsPath = null)
    {
        var azurite = await SharedAzurite.GetAsync();
        string taskHub = SharedAzurite.NewTaskHub();
        string noticeSink = (await NoticeSink.Value).BaseUrl;

        // The app's port is picked before the process binds it, so another process can take it in between:
        // such a start is tried again on a new port.
        for (int attempt = 1; ; attempt++)
        {
            int port = LoopbackPorts.Free();
            var host = new StandaloneHostProcess(SettingsFor(azurite, taskHub, port, extra, workflowsPath, noticeSink), port);
            try
            {
                await host.StartProcessAsync();
                return host;
            }
            catch (PortTakenException) when (attempt < 5)
            {
                await host.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The app as `dotnet run` starts it: the engine starts and owns its Azurite (data, log and pid file in
    /// <paramref name="dataFolder"/>, on the given ports rather than the defaults other processes may use), and
    /// runs with the Durable timings' defaults rather than the shortened ones other tests use.
    /// </summary>
    public static async Task<StandaloneHostProcess> StartOnOwnAzuriteAsync(string dataFolder, IDictionary<string, string>? extra = null, string? workflowsPath = null)
    {
        var ownStorage = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["Standalone__StartAzurite"] = "true",
            ["Standalone__AzuriteLocation"] = dataFolder,
            ["Standalone__AzuriteBlobPort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Standalone__AzuriteQueuePort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Standalone__AzuriteTablePort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        int port = LoopbackPorts.Free();
        Dictionary<string, string> settings = SettingsFor(await SharedAzurite.GetAsync(), SharedAzurite.NewTaskHub(), port, extra, workflowsPath, (await NoticeSink.Value).BaseUrl);
        foreach (string key in settings.Keys.Where(k => k.StartsWith("DurableTask__", StringComparison.Ordinal)).ToList())
        {
            settings.Remove(key);
        }

        foreach ((string key, string value) in ownStorage)
        {
            settings[key] = value;
        }

        var host = new StandaloneHostProcess(settings, port);
        await host.StartProcessAsync();
        return host;
    }

    /// <summary>Whether the engine process has ended (it must not, whatever storage does).</summary>
    public bool HasExited => process?.HasExited ?? true;

    /// <summary>SIGKILL to the engine alone: what it started (its Azurite) keeps running, as after a crash.</summary>
    public void KillEngine()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: false);
            process.WaitForExit(10_000);
        }
    }

    /// <summary>Starts the engine again on the same settings, after <see cref="KillEngine"/>.</summary>
    public Task StartAgainAsync() => StartProcessAsync();

    /// <summary>
    /// Where the test workflows' "reviewers" notices go unless a test captures them itself: a server shared by all
    /// hosts that accepts and drops them (startup refuses a notify channel that is not configured).
    /// </summary>
    static readonly Lazy<Task<StubHttpServer>> NoticeSink = new(() => StubHttpServer.StartAsync(context =>
    {
        context.Response.StatusCode = 200;
        return Task.CompletedTask;
    }));

    static Dictionary<string, string> SettingsFor(Azurite azurite, string taskHub, int port, IDictionary<string, string>? extra, string? workflowsPath, string noticeSink)
    {
        var settings = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["TaskHubName"] = taskHub,

            // Hosts share one Azurite account: each reads a start queue of its own.
            ["WorkflowStarts__Queue"] = "starts-" + taskHub.ToLowerInvariant(),
            ["WorkflowStarts__MaxPollingIntervalMilliseconds"] = "500",
            ["Operator__ApiKey"] = OperatorKey,
            ["Standalone__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Standalone__StartAzurite"] = "false",
            ["Workflows__Path"] = workflowsPath ?? RepoPaths.Workflows,
            ["Approvals__SigningKey"] = "integration-test-signing-key",
            ["Approvals__Webhooks__reviewers"] = noticeSink + "/notices",
            ["Approvals__PublicBaseUrl"] = $"http://127.0.0.1:{port}",
            ["Tools__Connections__customerDirectory__BaseUrl"] = $"http://127.0.0.1:{port}/api/samples",
            ["Tools__Connections__cms__BaseUrl"] = $"http://127.0.0.1:{port}/api/samples",
            ["Tools__Connections__billing__BaseUrl"] = $"http://127.0.0.1:{port}/api/samples",
            ["DurableTask__MaxQueuePollingIntervalMilliseconds"] = "200",
            ["DurableTask__WorkItemVisibilityTimeoutSeconds"] = "10",
            ["DurableTask__ControlVisibilityTimeoutSeconds"] = "10",
            ["DurableTask__LeaseIntervalSeconds"] = "10",
            ["DurableTask__LeaseRenewIntervalSeconds"] = "3",
            ["DurableTask__LeaseAcquireIntervalSeconds"] = "2",
            ["DurableTask__PartitionCount"] = "2",
            // A test host up when a sample's schedule comes due (daily-digest at 06:00 Berlin) must not start runs no test asked for.
            ["Schedules__Enabled"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__StreamCanvas"] = "Information",
        };
        foreach ((string key, string value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Kills the process (no graceful shutdown) and starts a new one on the same settings and task hub.</summary>
    public async Task RestartAsync()
    {
        Kill();

        // The port is ours again only once nothing else grabbed it meanwhile (an outgoing connection's local
        // port, usually gone in a moment).
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await StartProcessAsync();
                return;
            }
            catch (PortTakenException) when (attempt < 10)
            {
                await Task.Delay(500);
            }
        }
    }

    public void Kill()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
    }

    async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(RepoPaths.AppOutput, "StreamCanvas.Functions.dll") },
            WorkingDirectory = RepoPaths.AppOutput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach ((string key, string value) in settings)
        {
            start.Environment[key] = value;
        }

        process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                // The parameterless wait also drains the redirected output, so the message is complete.
                process.WaitForExit();
                string message = $"the host exited with {process.ExitCode}:\n{Output}";
                throw Output.Contains($"127.0.0.1:{Port}: address already in use", StringComparison.Ordinal)
                    ? new PortTakenException(message)
                    : new InvalidOperationException(message);
            }

            try
            {
                using HttpResponseMessage response = await Http.GetAsync("api/workflows");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"the host did not answer within 3 minutes:\n{Output}");
    }

    public async Task<JsonObject> StartRunAsync(string workflow, object input, string? idempotencyKey = null)
    {
        // A 503 (storage or sidecar briefly unavailable, e.g. a host just started on a busy machine) is retried as
        // its Retry-After asks a client to; the wait is shortened to keep tests quick, and the retries go on for as
        // long as a busy machine may need (a cap for a host that never recovers, not a speed expectation).
        HttpResponseMessage response;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"api/workflows/{workflow}/runs") { Content = JsonContent.Create(input) };
            if (idempotencyKey is not null)
            {
                request.Headers.Add("Idempotency-Key", idempotencyKey);
            }

            response = await Http.SendAsync(request);
            if (response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline)
            {
                break;
            }

            response.Dispose();
            await Task.Delay(1000);
        }

        using HttpResponseMessage answered = response;
        string body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != System.Net.HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"start returned {(int)response.StatusCode}: {body}\nhost output:\n{Output}");
        }

        return JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>Polls the run's status URL until it is no longer running.</summary>
    public async Task<JsonObject> WaitForRunAsync(string instanceId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        JsonObject? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await Http.GetFromJsonAsync<JsonObject>($"api/runs/{Uri.EscapeDataString(instanceId)}");
                if (last?["runtimeStatus"]?.GetValue<string>() is "Completed" or "Failed" or "Terminated")
                {
                    return last;
                }
            }
            catch (HttpRequestException)
            {
                // the host may be restarting
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"run {instanceId} did not finish; last status {last?.ToJsonString()}\n{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        process?.Dispose();
        Http.Dispose();
        await Task.CompletedTask;
    }

    sealed class PortTakenException(string message) : InvalidOperationException(message);
}
