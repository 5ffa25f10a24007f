using System.Text.Json.Nodes;

namespace StreamCanvas.Tests.Infra;

/// <summary>infra/ compiles and lints clean: any error or warning, of the compiler or the linter, fails.</summary>
public sealed class BicepTemplateTests
{
    [Fact]
    public void Build_MainTemplate_CompilesWithoutDiagnostics()
    {
        BicepResult result = BicepCli.MainBuild;

        Assert.True(result.ExitCode == 0, $"bicep build failed ({result.ExitCode}):\n{result.StandardError}");
        Assert.True(result.StandardError.Trim().Length == 0, $"bicep build reported diagnostics:\n{result.StandardError}");
        JsonObject template = JsonNode.Parse(result.StandardOutput)!.AsObject();
        Assert.Contains("deploymentTemplate.json", template["$schema"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(BicepCli.MainTemplate)]
    [InlineData(BicepCli.ExampleParameters)]
    [InlineData("infra/modules/ownerAlerts.bicep")]
    public void Lint_InfraFile_ReportsNoDiagnostics(string path)
    {
        BicepResult result = BicepCli.Run("lint", path, "--diagnostics-format", "sarif", "--no-restore");

        IEnumerable<string> diagnostics = SarifResults(result.StandardOutput);
        Assert.True(result.ExitCode == 0 && !diagnostics.Any(), $"bicep lint {path} exited {result.ExitCode}:\n{string.Join('\n', diagnostics)}\n{result.StandardError}");
    }

    [Fact]
    public void BuildParams_ExampleParameters_CompileWithoutDiagnostics()
    {
        BicepResult result = BicepCli.Run("build-params", BicepCli.ExampleParameters, "--stdout", "--no-restore");

        Assert.True(result.ExitCode == 0, $"bicep build-params failed ({result.ExitCode}):\n{result.StandardError}");
        Assert.True(result.StandardError.Trim().Length == 0, $"bicep build-params reported diagnostics:\n{result.StandardError}");
    }

    [Fact]
    public void Build_MainTemplate_TakesNoSecretParameterButTheOwnersWebhookUrls()
    {
        // Secrets the app reads are set in the Key Vault, never passed to a deployment. The one exception is what
        // Azure Monitor itself needs and cannot read from a vault: the owners' incoming-webhook URLs, a secure
        // parameter with no default that the example parameter file does not set.
        JsonObject parameters = BicepCli.CompiledMainTemplate["parameters"]!.AsObject();

        string[] secure = [.. parameters.Where(p => p.Value?["type"]?.GetValue<string>() is "securestring" or "secureObject" or "secureobject").Select(p => p.Key)];

        Assert.Equal(["ownerAlertWebhookUrls"], secure);
        Assert.Empty(parameters["ownerAlertWebhookUrls"]!["defaultValue"]!.AsObject());
        Assert.DoesNotContain("ownerAlertWebhookUrls =", File.ReadAllText(Path.Combine(RepoPaths.Root, BicepCli.ExampleParameters)), StringComparison.Ordinal);
    }

    static IEnumerable<string> SarifResults(string sarif)
    {
        JsonNode? log = JsonNode.Parse(sarif);
        return (log?["runs"]?.AsArray() ?? [])
            .SelectMany(run => run?["results"]?.AsArray() ?? [])
            .Select(r =>
            {
                JsonNode? region = r?["locations"]?[0]?["physicalLocation"];
                string where = $"{region?["artifactLocation"]?["uri"]}({region?["region"]?["startLine"]})";
                return $"{where}: {r?["level"] ?? "warning"} {r?["ruleId"]}: {r?["message"]?["text"]}";
            });
    }
}
