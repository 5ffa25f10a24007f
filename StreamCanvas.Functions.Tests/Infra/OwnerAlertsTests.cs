using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StreamCanvas.Definitions;
using StreamCanvas.Hosting;
using StreamCanvas.Telemetry;

namespace StreamCanvas.Tests.Infra;

/// <summary>
/// The owners' Azure Monitor alerts: infra/owner-alerts.json is what the `alerts` command makes of the samples, and
/// infra/modules/ownerAlerts.bicep, as main.bicep deploys it, gives each owner team one action group and each
/// workflow the three rules, on metrics and tags the app emits.
/// </summary>
public sealed partial class OwnerAlertsTests : IDisposable
{
    const string GeneratedFile = "infra/owner-alerts.json";
    const string Module = "infra/modules/ownerAlerts.bicep";

    static readonly string[] RuleKinds = ["failure-rate", "done-rate", "approval-timeouts"];

    readonly string folder = Directory.CreateTempSubdirectory("streamcanvas-alerts-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static (int ExitCode, string Output, string Errors) Run(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        int code = AlertsCommand.Run([AlertsCommand.Name, .. args], output, errors);
        return (code, output.ToString(), errors.ToString());
    }

    static WorkflowDefinition Definition(string name, string owner) => DefinitionLoader.Load($"{name}.json", $$"""
        {
          "name": "{{name}}", "version": "1.0.0", "description": "test workflow",
          "owner": {{owner}},
          "inputSchema": { "type": "object" },
          "steps": [ { "id": "draft", "kind": "llm", "prompt": "Write" } ],
          "definitionOfDone": [ { "name": "drafted", "condition": { "path": "steps.draft.output", "exists": true } } ]
        }
        """).Definition;

    [Fact]
    public void GeneratedFile_IsWhatTheAlertsCommandWritesFromTheSamples()
    {
        string written = Path.Combine(folder, "owner-alerts.json");

        (int code, string output, _) = Run("--workflows", RepoPaths.Workflows, "--out", written);

        Assert.Equal(0, code);
        Assert.Contains("4 owner team(s), 5 workflow(s)", output, StringComparison.Ordinal);
        string committed = File.ReadAllText(Path.Combine(RepoPaths.Root, GeneratedFile)).ReplaceLineEndings("\n");
        Assert.True(committed == File.ReadAllText(written),
            $"{GeneratedFile} is stale: run `dotnet run --project StreamCanvas.Functions -- alerts --workflows workflows --out {GeneratedFile}` and commit it");
    }

    [Fact]
    public void Check_CommittedFile_IsUpToDate_AndAStaleCopyExitsOne()
    {
        string committed = Path.Combine(RepoPaths.Root, GeneratedFile);
        Assert.Equal(0, Run("--workflows", RepoPaths.Workflows, "--out", committed, "--check").ExitCode);

        string stale = Path.Combine(folder, "stale.json");
        File.WriteAllText(stale, File.ReadAllText(committed).Replace("support-triage", "support-triage-old", StringComparison.Ordinal));
        (int code, string output, _) = Run("--workflows", RepoPaths.Workflows, "--out", stale, "--check");

        Assert.Equal(AlertsCommand.Stale, code);
        Assert.Contains("is stale", output, StringComparison.Ordinal);
        Assert.Contains("support-triage-old", File.ReadAllText(stale), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--check")]
    [InlineData("--out")]
    [InlineData("--bogus")]
    public void Run_BadArguments_ExitWithUsageError(string argument)
    {
        (int code, _, string errors) = Run("--workflows", RepoPaths.Workflows, argument);

        Assert.Equal(AlertsCommand.UsageError, code);
        Assert.Contains("Usage: alerts", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_WorkflowsOfOneTeam_ShareOneActionGroupWithEveryContactAndChannel()
    {
        OwnerAlertPlan plan = OwnerAlertPlan.From([
            Definition("b-flow", """{ "team": "R&D Tools", "contact": "rd-oncall@example.com", "alerts": "rd-alerts" }"""),
            Definition("a-flow", """{ "team": "R&D Tools", "contact": "rd-lead@example.com", "alerts": "rd-alerts" }"""),
            Definition("c-flow", """{ "team": "R&D Tools", "contact": "@rd-chat-handle" }"""),
            Definition("d-flow", """{ "team": "Finance", "contact": "finance@example.com", "alerts": "finance-hook" }"""),
        ]);

        Assert.Equal(["Finance", "R&D Tools"], plan.Owners.Select(o => o.Team));
        OwnerAlertTeam rd = plan.Owners[1];
        Assert.Equal("r-d-tools", rd.Key);
        Assert.True(rd.ShortName.Length <= OwnerAlertPlan.ShortNameLength);
        Assert.Equal(["rd-lead@example.com", "rd-oncall@example.com"], rd.Emails);
        Assert.Equal(["rd-alerts"], rd.Channels);
        Assert.Equal(["a-flow", "b-flow", "c-flow"], rd.Workflows.Select(w => w.Name));
        Assert.Contains("\"team\": \"R&D Tools\"", plan.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_TwoTeamsWithTheSameResourceName_IsRefused()
    {
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => OwnerAlertPlan.From([
            Definition("a-flow", """{ "team": "Data Platform", "contact": "a@example.com" }"""),
            Definition("b-flow", """{ "team": "data-platform", "contact": "b@example.com" }"""),
        ]));

        Assert.Contains("'data-platform'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_OwnerAlertsModule_CompilesWithoutDiagnostics()
    {
        BicepResult result = BicepCli.Run("build", Module, "--stdout", "--no-restore");

        Assert.True(result.ExitCode == 0, $"bicep build failed ({result.ExitCode}):\n{result.StandardError}");
        Assert.True(result.StandardError.Trim().Length == 0, $"bicep build reported diagnostics:\n{result.StandardError}");
    }

    [Fact]
    public void CompiledMain_DeploysOneActionGroupPerOwnerTeamAndThreeRulesPerWorkflow()
    {
        JsonObject template = BicepCli.CompiledMainTemplate;
        JsonObject module = ModuleTemplate(template);
        WorkflowCatalog samples = DefinitionLoader.LoadDirectory(RepoPaths.Workflows);

        // The owners main.bicep hands the module by default are the generated file's, inlined at build time.
        JsonArray owners = DefaultOwners(template);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, GeneratedFile)))!["owners"], owners));
        string[] teams = [.. owners.Select(o => o!["team"]!.GetValue<string>())];
        Assert.Equal(samples.All.Select(w => w.Definition.Owner.Team).Distinct().Order(StringComparer.Ordinal), teams);
        Assert.Equal(samples.All.Select(w => w.Name).Order(StringComparer.Ordinal),
            owners.SelectMany(o => o!["workflows"]!.AsArray()).Select(w => w!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));

        // One action group per element of owners; each rule kind once per element of the flattened workflows.
        JsonObject[] resources = Resources(module);
        JsonObject actionGroup = Assert.Single(resources, r => Type(r) == "Microsoft.Insights/actionGroups");
        Assert.Equal("[length(parameters('owners'))]", actionGroup["copy"]!["count"]!.GetValue<string>());
        Assert.Contains("parameters('owners')[copyIndex()].emails", actionGroup["properties"]!["emailReceivers"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("parameters('webhookUrls')", actionGroup["properties"]!["webhookReceivers"]!.GetValue<string>(), StringComparison.Ordinal);

        JsonObject[] rules = [.. resources.Where(r => Type(r) == "Microsoft.Insights/scheduledQueryRules")];
        Assert.Equal(RuleKinds, rules.Select(Kind));
        Assert.All(rules, rule =>
        {
            Assert.Equal("[length(variables('workflows'))]", rule["copy"]!["count"]!.GetValue<string>());
            Assert.Equal("LogAlert", rule["kind"]!.GetValue<string>());
            string actionGroups = Assert.Single(rule["properties"]!["actions"]!["actionGroups"]!.AsArray())!.GetValue<string>();
            Assert.Contains("Microsoft.Insights/actionGroups", actionGroups, StringComparison.Ordinal);
            Assert.Contains("variables('workflows')[copyIndex()].owner", actionGroups, StringComparison.Ordinal);
        });
        string workflows = module["variables"]!["workflows"]!.GetValue<string>();
        Assert.StartsWith("[flatten(map(range(0, length(parameters('owners')))", workflows, StringComparison.Ordinal);
    }

    [Fact]
    public void RuleQueries_ReadTheInstrumentsAndTagsTheAppEmits()
    {
        JsonObject module = ModuleTemplate(BicepCli.CompiledMainTemplate);
        Dictionary<string, string> queries = Resources(module)
            .Where(r => Type(r) == "Microsoft.Insights/scheduledQueryRules")
            .ToDictionary(Kind, r => QueryOf(module, r));

        string Quoted(string name) => $"\"{name}\"";
        string Dimension(string tag) => $"customDimensions[\"{tag}\"]";

        Assert.Contains(Quoted(RunMetrics.RunsFailed.Name), queries["failure-rate"], StringComparison.Ordinal);
        Assert.Contains(Quoted(RunMetrics.RunsCompleted.Name), queries["failure-rate"], StringComparison.Ordinal);
        Assert.Contains(Quoted(RunMetrics.RunsCompleted.Name), queries["done-rate"], StringComparison.Ordinal);
        Assert.Contains(Dimension(TelemetryTags.Outcome), queries["done-rate"], StringComparison.Ordinal);
        Assert.Contains(Quoted(RunOutcomes.Succeeded), queries["done-rate"], StringComparison.Ordinal);
        Assert.Contains(Quoted(RunOutcomes.FailedCriteria), queries["done-rate"], StringComparison.Ordinal);
        Assert.Contains(Quoted(RunMetrics.ApprovalTimeouts.Name), queries["approval-timeouts"], StringComparison.Ordinal);
        Assert.Contains(Dimension(TelemetryTags.Gate), queries["approval-timeouts"], StringComparison.Ordinal);
        Assert.All(queries.Values, query => Assert.Contains(Dimension(TelemetryTags.Workflow), query, StringComparison.Ordinal));

        // And nothing else by a streamcanvas.* name the app does not emit.
        string[] known = [.. typeof(RunMetrics).GetFields().Select(f => f.GetValue(null)).OfType<Instrument>().Select(i => i.Name),
            .. typeof(TelemetryTags).GetFields().Select(f => (string)f.GetRawConstantValue()!)];
        string[] named = [.. queries.Values.SelectMany(q => StreamCanvasName().Matches(q)).Select(m => m.Groups[1].Value).Distinct()];
        Assert.NotEmpty(named);
        Assert.All(named, name => Assert.True(known.Contains(name), $"{Module} queries {name}, which the app does not emit"));
    }

    static JsonObject ModuleTemplate(JsonObject main) =>
        Resources(main).Single(r => r["name"]?.GetValue<string>() == "owner-alerts")["properties"]!["template"]!.AsObject();

    /// <summary>Resources as a list, whether the template keeps them in an array or (symbolic names) an object.</summary>
    static JsonObject[] Resources(JsonObject template) => template["resources"] switch
    {
        JsonArray list => [.. list.Select(r => r!.AsObject())],
        JsonObject byName => [.. byName.Select(r => r.Value!.AsObject())],
        _ => [],
    };

    static string Type(JsonObject resource) => resource["type"]!.GetValue<string>();

    static string Kind(JsonObject rule) => RuleKinds.Single(k => rule["name"]!.GetValue<string>().Contains($"-{k}'", StringComparison.Ordinal));

    /// <summary>The KQL of a rule: its query is format(variables('...'), ...) over a query text variable.</summary>
    static string QueryOf(JsonObject module, JsonObject rule)
    {
        string expression = rule["properties"]!["criteria"]!["allOf"]![0]!["query"]!.GetValue<string>();
        string variable = expression.Split("variables('")[1].Split("')")[0];
        return module["variables"]![variable]!.GetValue<string>();
    }

    /// <summary>main.bicep's ownerAlerts default: the generated file, which the build inlines as a variable.</summary>
    static JsonArray DefaultOwners(JsonObject main)
    {
        string expression = main["parameters"]!["ownerAlerts"]!["defaultValue"]!.GetValue<string>();
        Assert.EndsWith(".owners]", expression, StringComparison.Ordinal);
        string variable = expression.Split("variables('")[1].Split("')")[0];
        return main["variables"]![variable]!["owners"]!.AsArray();
    }

    [GeneratedRegex(@"""(streamcanvas\.[a-z_.]*[a-z_])""")]
    private static partial Regex StreamCanvasName();
}
