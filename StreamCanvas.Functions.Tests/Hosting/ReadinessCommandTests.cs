using System.Diagnostics;
using System.Text.Json.Nodes;
using StreamCanvas.Hosting;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Hosting;

/// <summary>The offline readiness command: the samples pass, a failing trait exits 1, as CI needs.</summary>
public sealed class ReadinessCommandTests : IDisposable
{
    static readonly string DevelopmentSettings = Path.Combine(RepoPaths.Root, "StreamCanvas.Functions", "appsettings.Development.json");

    readonly string folder = Directory.CreateTempSubdirectory("streamcanvas-readiness-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static (int ExitCode, string Output, string Errors) Run(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        int code = ReadinessCommand.Run([ReadinessCommand.Name, .. args], output, errors);
        return (code, output.ToString(), errors.ToString());
    }

    /// <summary>A sample copied into the folder, with its owner's alert channel taken away.</summary>
    void WriteSampleWithoutAlerts()
    {
        JsonObject sample = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Workflows, "document-summary.json")))!.AsObject();
        sample["owner"]!.AsObject().Remove("alerts");
        sample.Remove("$schema");
        File.WriteAllText(Path.Combine(folder, "unowned.json"), sample.ToJsonString());
    }

    [Fact]
    public void Run_Samples_PassAndExitZero()
    {
        (int code, string output, _) = Run("--workflows", RepoPaths.Workflows, "--settings", DevelopmentSettings);

        Assert.Equal(0, code);
        Assert.Contains("support-triage 1.0.0: pass", output, StringComparison.Ordinal);
        Assert.Contains("content-publishing 1.0.0: pass", output, StringComparison.Ordinal);
        Assert.Contains("document-summary 1.0.0: pass", output, StringComparison.Ordinal);
        Assert.Contains("not probed", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_AFailingTrait_ExitsOneNamingTheTraitAndPointer()
    {
        WriteSampleWithoutAlerts();

        (int code, string output, _) = Run("--workflows", folder, "--settings", DevelopmentSettings);

        Assert.Equal(ReadinessCommand.Failed, code);
        Assert.Matches(@"fail\s+ownership\s+no alert channel.*\[/owner/alerts\]", output);
    }

    [Fact]
    public void Run_Json_PrintsTheAuditAsJson()
    {
        (int code, string output, _) = Run("--workflows", RepoPaths.Workflows, "--settings", DevelopmentSettings, "--json");

        JsonArray audits = JsonNode.Parse(output)!.AsArray();
        Assert.Equal(0, code);
        Assert.Equal(6, audits.Count);
        Assert.All(audits, a => Assert.Equal("pass", a!["outcome"]!.GetValue<string>()));
        Assert.Equal(6, audits[0]!["traits"]!.AsArray().Count);
    }

    [Fact]
    public void Run_UnknownOption_IsAUsageError()
    {
        (int code, _, string errors) = Run("--frobnicate");

        Assert.Equal(ReadinessCommand.UsageError, code);
        Assert.Contains("--frobnicate", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MissingSettingsFile_IsAUsageError()
    {
        (int code, _, string errors) = Run("--settings", Path.Combine(folder, "nope.json"));

        Assert.Equal(ReadinessCommand.UsageError, code);
        Assert.Contains("nope.json", errors, StringComparison.Ordinal);
    }

    /// <summary>Through Program.cs, as CI runs it: the exit code is the verdict, an invalid definition is 2.</summary>
    [Fact]
    public async Task AppProcess_Readiness_ExitsZeroOnSamplesOneOnAFailAndTwoOnAnInvalidDefinition()
    {
        Assert.Equal(0, (await RunAppAsync("--workflows", RepoPaths.Workflows)).ExitCode);

        WriteSampleWithoutAlerts();
        (int failed, string output) = await RunAppAsync("--workflows", folder);
        Assert.True(failed == ReadinessCommand.Failed, output);

        File.WriteAllText(Path.Combine(folder, "broken.json"), TestDefinitions.Workflow("""[ { "id": "a", "kind": "llm", "prompt": "p", "next": "nowhere" } ]""", name: "broken"));
        (int invalid, string message) = await RunAppAsync("--workflows", folder);
        Assert.Equal(2, invalid);
        Assert.Contains("broken.json#/steps/0/next", message, StringComparison.Ordinal);
    }

    static async Task<(int ExitCode, string Output)> RunAppAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = RepoPaths.AppOutput, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepoPaths.AppOutput, "StreamCanvas.Functions.dll"));
        start.ArgumentList.Add(ReadinessCommand.Name);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The sample alert channels and connections are configured for Development, as `dotnet run` runs.
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await errors);
    }
}
