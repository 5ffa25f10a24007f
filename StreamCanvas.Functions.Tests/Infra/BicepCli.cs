using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace StreamCanvas.Tests.Infra;

/// <summary>
/// The Bicep CLI from the Azure.Bicep.CommandLine.linux-x64 package that restore put in the NuGet cache. It builds
/// and lints offline: infra/ uses no registry modules, and --no-restore keeps it from looking for any.
/// </summary>
public static class BicepCli
{
    public const string MainTemplate = "infra/main.bicep";
    public const string ExampleParameters = "infra/main.bicepparam";

    static readonly Lazy<BicepResult> MainBuildResult = new(() => Run("build", MainTemplate, "--stdout", "--no-restore"));
    static readonly Lazy<JsonObject> MainTemplateJson = new(() => ParseTemplate(MainBuild));

    public static string ExecutablePath { get; } = FindExecutable();

    /// <summary>`bicep build infra/main.bicep --stdout`, run once per test run.</summary>
    public static BicepResult MainBuild => MainBuildResult.Value;

    /// <summary>infra/main.bicep compiled to an ARM template.</summary>
    public static JsonObject CompiledMainTemplate => MainTemplateJson.Value;

    public static BicepResult Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(ExecutablePath)
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {ExecutablePath}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} ran for more than 2 minutes");
        }

        return new BicepResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    static JsonObject ParseTemplate(BicepResult build) =>
        build.ExitCode == 0 && JsonNode.Parse(build.StandardOutput) is JsonObject template
            ? template
            : throw new InvalidOperationException($"bicep build {MainTemplate} failed ({build.ExitCode}):\n{build.StandardError}");

    static string FindExecutable()
    {
        string? path = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "BicepCli")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException(
                $"The Bicep CLI is not at '{path}': restore the test project (dotnet restore) so the Azure.Bicep.CommandLine.linux-x64 package is in the NuGet cache.");
        }

        // NuGet extracts files without their Unix modes on some set-ups.
        if (OperatingSystem.IsLinux() && File.GetUnixFileMode(path) is var mode && !mode.HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        return path;
    }
}

public sealed record BicepResult(int ExitCode, string StandardOutput, string StandardError);
