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

    readonly Process process;

    Azurite(Process process, int blobPort, int queuePort, int tablePort)
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
    public int ProcessId => process.Id;

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

    /// <summary>Starts Azurite on the given ports with its data in <paramref name="location"/>, and waits until it answers.</summary>
    public static async Task<Azurite> StartAsync(string location, int blobPort = 10000, int queuePort = 10001, int tablePort = 10002)
    {
        string script = FindScript() ?? throw new InvalidOperationException(
            $"Azurite is not installed: run `npm ci` in the repository root (looked for {ScriptPath} above {AppContext.BaseDirectory}).");
        Directory.CreateDirectory(location);
        var start = new ProcessStartInfo("node")
        {
            ArgumentList =
            {
                script, "--silent", "--skipApiVersionCheck", "--loose", "--location", location,
                "--blobHost", "127.0.0.1", "--blobPort", blobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--queueHost", "127.0.0.1", "--queuePort", queuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--tableHost", "127.0.0.1", "--tablePort", tablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start node for Azurite");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var azurite = new Azurite(process, blobPort, queuePort, tablePort);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await IsListeningAsync(blobPort) && await IsListeningAsync(queuePort) && await IsListeningAsync(tablePort)))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await azurite.DisposeAsync();
                throw new InvalidOperationException($"Azurite did not start on ports {blobPort}/{queuePort}/{tablePort} (exit code {(process.HasExited ? process.ExitCode : -1)}).");
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

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}
