using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StreamCanvas.Activities.Mcp;
using StreamCanvas.Activities.Models;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Activities.Tools;
using StreamCanvas.Definitions;

namespace StreamCanvas.Tests.Infra;

/// <summary>local.settings.sample.json lists every setting the app reads, and nothing it does not.</summary>
public sealed class LocalSettingsSampleTests
{
    // Read by the Functions host itself, not by the app.
    static readonly string[] PlatformSettings = ["FUNCTIONS_WORKER_RUNTIME"];

    static readonly string[] SampleKeys = ReadSampleKeys();

    [Fact]
    public void Values_SettingsTheAppReads_AreAllListed()
    {
        string[] missing = [.. SettingsTheAppReads.All
            .Where(s => !s.IsMapEntry && !AppSetting.IsSetIn(SampleKeys, s.Key))
            .Select(s => $"{s.Key} (from {s.Source})")];

        Assert.True(missing.Length == 0, "local.settings.sample.json lacks: " + string.Join(", ", missing));
    }

    [Fact]
    public void Values_MapEntriesTheSampleWorkflowsUse_AreListed()
    {
        IReadOnlyDictionary<string, string[]> used = MapEntriesTheSampleWorkflowsUse();
        var missing = new List<string>();
        foreach (AppSetting entry in SettingsTheAppReads.All.Where(s => s.IsMapEntry && !s.Key.Contains("{1}", StringComparison.Ordinal)))
        {
            Assert.True(used.ContainsKey(entry.Map!), $"{entry.Map} is a new map: say here which workflow field names its entries");
            missing.AddRange(used[entry.Map!].Select(name => string.Format(System.Globalization.CultureInfo.InvariantCulture, entry.Key, name)).Where(key => !SampleKeys.Contains(key)));
        }

        Assert.Contains("customerDirectory", used[ConnectionsMap]);
        Assert.Contains("cms", used[ConnectionsMap]);
        Assert.True(missing.Count == 0, "local.settings.sample.json lacks: " + string.Join(", ", missing));
    }

    [Fact]
    public void Values_EveryKey_IsASettingTheAppReads()
    {
        Regex[] known = [.. SettingsTheAppReads.All.Select(s => new Regex(
            "^" + Regex.Escape(s.Key).Replace(Regex.Escape("{0}"), "[^_]+", StringComparison.Ordinal).Replace(Regex.Escape("{1}"), "[^_]+", StringComparison.Ordinal) + "(__.+)?$"))];

        string[] unknown = [.. SampleKeys.Where(key => !PlatformSettings.Contains(key) && !known.Any(k => k.IsMatch(key)))];

        Assert.True(unknown.Length == 0, "local.settings.sample.json has settings the app does not read: " + string.Join(", ", unknown));
    }

    static string ConnectionsMap => $"{ToolOptions.Section}__{nameof(ToolOptions.Connections)}";

    static string GroupsMap => $"{ApprovalOptions.Section}__{nameof(ApprovalOptions.Groups)}";

    static string WebhooksMap => $"{ApprovalOptions.Section}__{nameof(ApprovalOptions.Webhooks)}";

    static string McpServersMap => $"{McpOptions.Section}__{nameof(McpOptions.Servers)}";

    static string PricingMap => $"{ModelOptions.Section}__{nameof(ModelOptions.Pricing)}";

    const string SampleDefaultModel = "gpt-4o-mini";

    /// <summary>
    /// The names the sample workflows give map entries: the connections tool steps call, the webhooks levels
    /// notify and the owners' alert channels.
    /// </summary>
    static IReadOnlyDictionary<string, string[]> MapEntriesTheSampleWorkflowsUse()
    {
        WorkflowDefinition[] definitions = [.. DefinitionLoader.LoadDirectory(RepoPaths.Workflows).All.Select(w => w.Definition)];
        WorkflowStep[] steps = [.. definitions.SelectMany(d => d.Steps)];
        return new Dictionary<string, string[]>
        {
            [ConnectionsMap] = [.. steps.OfType<ToolStep>().Select(s => s.Connection).Distinct()],
            [WebhooksMap] = [.. steps.OfType<ApprovalStep>().SelectMany(s => s.Escalation).Select(l => l.Notify)
                .Concat(definitions.Select(d => d.Owner.Alerts)).OfType<string>()
                .Where(n => n != ApprovalOptions.NoNotice).Distinct()],
            [GroupsMap] = [.. steps.OfType<ApprovalStep>().SelectMany(s => s.Escalation).Select(l => l.Group).OfType<string>().Distinct()],

            // The MCP servers agents take tools from (no sample needs one: MCP is opt-in per deployment).
            [McpServersMap] = [.. steps.OfType<AgentStep>().SelectMany(a => a.Tools).Select(t => t.Mcp).OfType<string>().Distinct()],

            // Prices for the models llm steps name, and the sample's default model that serves the rest.
            [PricingMap] = [.. steps.OfType<LlmStep>().Select(s => s.Model).OfType<string>().Append(SampleDefaultModel).Distinct()],
        };
    }

    static string[] ReadSampleKeys()
    {
        string path = Path.Combine(RepoPaths.Root, "local.settings.sample.json");
        JsonObject values = JsonNode.Parse(File.ReadAllText(path))!["Values"]!.AsObject();
        return [.. values.Select(v => v.Key)];
    }
}
