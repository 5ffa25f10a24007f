using System.Text.Json.Nodes;
using StreamCanvas.Hosting;

namespace StreamCanvas.Tests.Hosting;

public sealed class ConfigurationGuardTests
{
    /// <summary>Every key the repository publishes is one the guard refuses outside Development.</summary>
    [Theory]
    [InlineData("local.settings.sample.json", "Values", "Approvals__SigningKey")]
    [InlineData("local.settings.sample.json", "Values", "Operator__ApiKey")]
    [InlineData("StreamCanvas.Functions/appsettings.Development.json", "Approvals", "SigningKey")]
    [InlineData("StreamCanvas.Functions/appsettings.Development.json", "Operator", "ApiKey")]
    public void PublishedValues_EveryKeyInTheSampleAndDevelopmentFiles_IsListed(string file, string section, string key)
    {
        JsonNode settings = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, file)))!;

        string published = settings[section]![key]!.GetValue<string>();

        Assert.Contains(published, ConfigurationGuard.PublishedValues);
    }
}
