using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StreamCanvas.Activities.Models;
using StreamCanvas.Telemetry;

namespace StreamCanvas.Tests.Infra;

/// <summary>The workbook and the KQL in docs/observability.md query instruments and tags the app really emits.</summary>
public sealed partial class WorkbookTests
{
    static readonly string[] Instruments = [.. typeof(RunMetrics).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => f.GetValue(null)).OfType<System.Diagnostics.Metrics.Instrument>().Select(i => i.Name)];

    static readonly string[] Tags = [.. typeof(TelemetryTags).GetFields().Select(f => (string)f.GetRawConstantValue()!)];

    [Theory]
    [InlineData("infra/workbook.json")]
    [InlineData("docs/observability.md")]
    public void Queries_StreamCanvasNames_AreInstrumentsOrTagsTheAppEmits(string file)
    {
        string text = File.ReadAllText(Path.Combine(RepoPaths.Root, file));
        string[] known = [.. Instruments, .. Tags, TracedChatModel.GenAI.SystemOf(StreamCanvas.Activities.Models.ModelProviders.Offline)];

        string[] names = [.. StreamCanvasName().Matches(text).Select(m => m.Groups[1].Value).Distinct()];

        Assert.Contains("streamcanvas.failures", names);
        Assert.All(names, name => Assert.True(known.Contains(name), $"{file} names {name}, which the app does not emit"));
    }

    [Fact]
    public void Workbook_IsANotebookWithTheFourViewsTheIssueAsksFor()
    {
        JsonObject workbook = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "infra/workbook.json")))!.AsObject();

        Assert.Equal("Notebook/1.0", workbook["version"]!.GetValue<string>());
        string[] names = [.. workbook["items"]!.AsArray().Select(i => i!["name"]!.GetValue<string>())];
        Assert.Superset(new HashSet<string>(["approval_latency", "token_efficiency", "failures", "latency_histogram"]), new HashSet<string>(names));
    }

    /// <summary>A quoted or code-formatted streamcanvas.* name (quotes are escaped inside the workbook's JSON).</summary>
    [GeneratedRegex(@"[""`](streamcanvas\.[a-z_.]*[a-z_])\\?[""`]")]
    private static partial Regex StreamCanvasName();
}
