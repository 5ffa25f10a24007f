using System.Diagnostics;
using System.Net.Sockets;

namespace StreamCanvas.Standalone;

/// <summary>
/// The local storage emulator (npm package azurite), started from the repository's node_modules when the engine
/// runs on development storage and no emulator is listening yet.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    public const string ScriptPath = "node_modules/azurite/dist/src/azurite.js";

    readonly Process? process;
    int disposed;

    Azurite(Process? process, int blobPort, int queuePort, int tablePort)
    {
        this.process = process;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }
    public int QueuePort { get; }
    public int TablePort { get; }

    /// <summary>The node process, for a caller that stops it with a signal of its choosing (tests simulating an outage).</summary>
    public int ProcessId => process?.Id ?? throw new InvalidOperationException("this Azurite was not started by this process");

    /// <summary>Whether this process started (or adopted) the emulator and so stops it; false for one found running unrecorded.</summary>
    public bool Owned => process is not null;

    /// <summary>An emulator this engine does not own (already listening, not recorded as ours): used, never stopped.</summary>
    public static Azurite External(int blobPort, int queuePort, int tablePort) => new(null, blobPort, queuePort, tablePort);

    /// <summary>A recorded emulator, still running, that a previous engine started: this one stops it now.</summary>
    public static Azurite Adopt(Process process, int blobPort, int queuePort, int tablePort) => new(process, blobPort, queuePort, tablePort);

    public string ConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;";

    public static bool IsDevelopmentStorage(string connectionString) =>
        connectionString.Contains("UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase);

    public static async Task<bool> IsListeningAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port).WaitAsync(TimeSpan.FromSeconds(1));
            return true;
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Starts Azurite on the given ports with its data in <paramref name="location"/>, and waits until it answers.
    /// Its output goes to <see cref="LogFileName"/> in that folder, never to a pipe: a pipe dies with the process
    /// that started Azurite, and Azurite writing into a dead pipe dies too, under whoever uses it next.
    /// </summary>
    public static async Task<Azurite> StartAsync(string location, int blobPort = 10000, int queuePort = 10001, int tablePort = 10002)
    {
        string script = FindScript() ?? throw new InvalidOperationException(
            $"Azurite is not installed: run `npm ci` in the repository root (looked for {ScriptPath} above {AppContext.BaseDirectory}).");
        Directory.CreateDirectory(location);
        string[] arguments =
        [
            script, "--silent", "--skipApiVersionCheck", "--loose", "--location", location,
            "--blobHost", "127.0.0.1", "--blobPort", blobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", queuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", tablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ];
        Process process = StartWithOutputTo(Path.Combine(location, LogFileName), arguments);
        var azurite = new Azurite(process, blobPort, queuePort, tablePort);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await IsListeningAsync(blobPort) && await IsListeningAsync(queuePort) && await IsListeningAsync(tablePort)))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await azurite.DisposeAsync();
                throw new InvalidOperationException($"Azurite did not start on ports {blobPort}/{queuePort}/{tablePort} (exit code {(process.HasExited ? process.ExitCode : -1)}); see {Path.Combine(location, LogFileName)}.");
            }

            await Task.Delay(200);
        }

        // Another process answering on one of the ports while Azurite gave up on it is not a started Azurite.
        await Task.Delay(200);
        if (process.HasExited)
        {
            await azurite.DisposeAsync();
            throw new InvalidOperationException($"Azurite exited on start (exit code {process.ExitCode}); one of ports {blobPort}/{queuePort}/{tablePort} is probably taken.");
        }

        return azurite;
    }

    /// <summary>The file in Azurite's data folder its output is appended to.</summary>
    public const string LogFileName = "azurite.log";

    /// <summary>
    /// node with stdout/stderr appended to <paramref name="logPath"/> and stdin from /dev/null, through sh's exec so
    /// the started process is node itself (its pid is Azurite's). Windows has no such redirect without a shell
    /// quoting maze, so there the output is copied to the file by this process.
    /// </summary>
    static Process StartWithOutputTo(string logPath, string[] arguments)
    {
        if (OperatingSystem.IsWindows())
        {
            var direct = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            arguments.ToList().ForEach(direct.ArgumentList.Add);
            Process started = Process.Start(direct) ?? throw new InvalidOperationException("could not start node for Azurite");
            var log = TextWriter.Synchronized(new StreamWriter(logPath, append: true) { AutoFlush = true });
            started.OutputDataReceived += (_, e) => { if (e.Data is not null) { log.WriteLine(e.Data); } };
            started.ErrorDataReceived += (_, e) => { if (e.Data is not null) { log.WriteLine(e.Data); } };
            started.BeginOutputReadLine();
            started.BeginErrorReadLine();
            return started;
        }

        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("log=\"$1\"; shift; exec \"$@\" </dev/null >>\"$log\" 2>&1");
        start.ArgumentList.Add("azurite");
        start.ArgumentList.Add(logPath);
        start.ArgumentList.Add("node");
        arguments.ToList().ForEach(start.ArgumentList.Add);
        return Process.Start(start) ?? throw new InvalidOperationException("could not start node for Azurite");
    }

    /// <summary>Finds node_modules/azurite in the app folder or any folder above it (the repository root).</summary>
    public static string? FindScript()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, ScriptPath);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>The folder holding node_modules: where Azurite keeps its data by default.</summary>
    public static string RepositoryRoot() =>
        FindScript() is { } script ? Path.GetFullPath(Path.Combine(Path.GetDirectoryName(script)!, "..", "..", "..", "..")) : Directory.GetCurrentDirectory();

    /// <summary>
    /// Stops the emulator: SIGTERM first, since Azurite keeps metadata in memory and saves it as its servers
    /// close (a SIGKILL loses acknowledged writes), then a kill if it has not gone within <paramref name="grace"/>.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (process is null || Volatile.Read(ref disposed) == 1)
        {
            return;
        }

        if (!process.HasExited && !OperatingSystem.IsWindows())
        {
            using Process? signal = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
            if (signal is not null)
            {
                await signal.WaitForExitAsync();
            }

            using var patience = new CancellationTokenSource(grace);
            await process.WaitForExitAsync(patience.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (process is null || Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}
