using System.Text.Json.Nodes;
using StreamCanvas.Api;
using StreamCanvas.Definitions;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Api;

/// <summary>GET /api/workflows/{name}/graph: the samples' structure, as the dashboard receives it.</summary>
public sealed class WorkflowGraphTests
{
    static readonly WorkflowsHandler Handler = new(DefinitionLoader.LoadDirectory(RepoPaths.Workflows));

    static async Task<JsonObject> GraphAsync(string name)
    {
        var (status, _, body) = await ResultExecutor.ExecuteAsync(Handler.Graph(name), ResultExecutor.NewContext("GET"));
        Assert.Equal(200, status);
        return body!.AsObject();
    }

    static JsonObject Step(JsonNode steps, string id) => steps.AsArray().Single(s => s!["id"]!.GetValue<string>() == id)!.AsObject();

    static IEnumerable<(string To, string Kind, string? Label)> Edges(JsonObject step) => step["edges"]!.AsArray()
        .Select(e => (e!["to"]!.GetValue<string>(), e["kind"]!.GetValue<string>(), e["label"]?.GetValue<string>()));

    [Fact]
    public async Task Graph_ResearchReport_HasTheMapBodyTheBranchesAndTheJoin()
    {
        JsonObject graph = await GraphAsync("research-report");

        Assert.Equal("research-report", graph["name"]!.GetValue<string>());
        JsonNode steps = graph["steps"]!;
        Assert.Equal([("summaries", GraphEdges.Next, null)], Edges(Step(steps, "split")));
        JsonObject map = Step(steps, "summaries");
        Assert.Equal("steps.split.output.sections", map["items"]!.GetValue<string>());
        Assert.Equal(4, map["maxConcurrency"]!.GetValue<int>());
        Assert.Equal("summarizeSection", map["body"]![0]!["id"]!.GetValue<string>());
        JsonObject checks = Step(steps, "checks");
        Assert.Equal("all", checks["join"]!.GetValue<string>());
        Assert.Equal(["facts", "style"], checks["branches"]!.AsArray().Select(b => b!["name"]!.GetValue<string>()));
        Assert.True(checks["branches"]![1]!["continuesOnFailure"]!.GetValue<bool>());
        Assert.Equal([(StepIds.End, GraphEdges.Next, null)], Edges(Step(checks["branches"]![0]!["steps"]!, "factCheck")));
        Assert.Equal([(StepIds.End, GraphEdges.Next, null)], Edges(Step(steps, "publish")));
        Assert.Equal("publish-failed", Step(steps, "publish")["failsWith"]!.GetValue<string>());

        // Structure only: nothing a prompt, body or approver list says.
        Assert.DoesNotContain("Summarize section", graph.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("example.com", graph.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Graph_SupportTriage_HasConditionBranchesWithLabelsAndTheOnFailureRoute()
    {
        JsonNode steps = (await GraphAsync("support-triage"))["steps"]!;

        Assert.Equal(
            [("classify", GraphEdges.Next, null), ("classify", GraphEdges.OnFailure, "on failure")],
            Edges(Step(steps, "lookup")));
        Assert.Equal(
            [("escalate", GraphEdges.Condition, "steps.classify.output.priority = \"urgent\" or steps.lookup.output.plan = \"enterprise\""),
             ("reply", GraphEdges.Else, "else")],
            Edges(Step(steps, "route")));
        Assert.Equal([(StepIds.End, GraphEdges.Next, null)], Edges(Step(steps, "escalate")));
    }

    [Fact]
    public async Task Graph_WorkflowAndAgentSteps_NameTheChildWorkflowAndTheGatedTools()
    {
        JsonObject report = Step((await GraphAsync("daily-digest"))["steps"]!, "report");
        JsonObject agent = Step((await GraphAsync("support-agent"))["steps"]!, "agent");

        Assert.Equal("research-report", report["workflow"]!.GetValue<string>());
        Assert.Equal(
            [("lookup_customer", false), ("issue_refund", true)],
            agent["tools"]!.AsArray().Select(t => (t!["name"]!.GetValue<string>(), t["gated"]!.GetValue<bool>())));
        Assert.Equal(6, agent["maxTurns"]!.GetValue<int>());
    }

    [Fact]
    public async Task Graph_UnknownWorkflow_Is404NamingIt()
    {
        var (status, _, body) = await ResultExecutor.ExecuteAsync(Handler.Graph("no-such-flow"), ResultExecutor.NewContext("GET"));

        Assert.Equal(404, status);
        Assert.Contains("no-such-flow", body!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_NumericBounds_UseInvariantNumbers()
    {
        Assert.Equal("steps.score.output.value in 0.5..2", GraphEdges.Describe(new Condition { Path = "steps.score.output.value", AtLeast = 0.5, AtMost = 2 }));
        Assert.Equal("not (input.tier exists)", GraphEdges.Describe(new Condition { Not = new Condition { Path = "input.tier", Exists = true } }));
    }
}
