using ArchUnitNET.Fluent;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using StreamCanvas.Definitions;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace StreamCanvas.Tests.Architecture;

/// <summary>
/// The app's layers, bottom to top: a newcomer can learn them one at a time because each depends only on those
/// below it. Layers listed together are peers and do not use each other either.
/// </summary>
public sealed class LayerTests
{
    /// <summary>Bottom first. Telemetry may be used by every layer and uses only Definitions, so it sits right above it.</summary>
    public static readonly string[][] Layers =
    [
        ["Definitions"],
        ["Telemetry"],
        ["Storage"],
        ["Activities"],
        ["Orchestration"],
        ["Approvals", "Starts"],
        ["Schedules"],
        ["Api"],
        ["Hosting"],
        ["Functions", "Standalone"],
        [Entry],
    ];

    /// <summary>The root namespace: what the Functions Worker SDK generates for the host (metadata provider, executor).</summary>
    const string Entry = "";

    static readonly ArchUnitNET.Domain.Architecture App = new ArchLoader().LoadAssemblies(typeof(WorkflowCatalog).Assembly).Build();

    /// <summary>Every layer but the entry, which has nothing above it.</summary>
    public static TheoryData<string> LayerNames() => [.. Layers.SelectMany(peers => peers).Where(layer => layer != Entry)];

    [Theory]
    [MemberData(nameof(LayerNames))]
    public void Layer_DependsOnlyOnLayersBelowIt(string layer)
    {
        int level = Array.FindIndex(Layers, peers => peers.Contains(layer));
        string[] forbidden = [.. Layers.Skip(level).SelectMany(peers => peers).Where(other => other != layer)];

        IArchRule rule = Types().That().ResideInNamespaceMatching(Namespace(layer))
            .Should().NotDependOnAnyTypesThat().ResideInNamespaceMatching(AnyOf(forbidden))
            .Because($"{layer} may only use the layers below it")
            .WithoutRequiringPositiveResults();

        rule.Check(App);
    }

    [Fact]
    public void Layers_CoverEveryNamespaceOfTheApp()
    {
        var uncovered = App.Types
            .Select(t => t.Namespace.FullName)
            .Where(ns => ns.StartsWith("StreamCanvas", StringComparison.Ordinal))
            .Distinct()
            .Where(ns => !Layers.SelectMany(peers => peers).Any(layer => System.Text.RegularExpressions.Regex.IsMatch(ns, Namespace(layer))))
            .ToList();

        Assert.Empty(uncovered);
    }

    static string Namespace(string layer) => layer == Entry ? "^StreamCanvas$" : $@"^StreamCanvas\.{layer}(\..+)?$";

    static string AnyOf(IEnumerable<string> layers) => string.Join('|', layers.Select(Namespace));
}
