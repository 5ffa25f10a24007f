using System.Text.Json;
using System.Text.Json.Nodes;
using StreamCanvas.Definitions;

namespace StreamCanvas.Tests.Definitions;

public sealed class TemplateTests
{
    static readonly JsonNode State = JsonNode.Parse("""
        { "input": { "name": "Ada", "tags": ["a", "b"], "n": 3 },
          "steps": { "lookup": { "status": 200, "output": { "plan": "team", "items": [ { "sku": "x1" } ] } } } }
        """)!;

    [Fact]
    public void Render_Placeholders_InsertsTextAndJson()
    {
        string text = Template.Render("Hi {{ input.name }}, plan {{steps.lookup.output.plan}}, first {{steps.lookup.output.items[0].sku}}, tags {{input.tags}}, none '{{input.none}}'", State);

        Assert.Equal("Hi Ada, plan team, first x1, tags [\"a\",\"b\"], none ''", text);
    }

    [Fact]
    public void RenderJson_WholePlaceholder_KeepsTheValueType()
    {
        JsonNode body = JsonNode.Parse("""{ "n": "{{input.n}}", "tags": "{{input.tags}}", "label": "n={{input.n}}" }""")!;

        JsonNode rendered = Template.RenderJson(body, State)!;

        Assert.Equal(3, rendered["n"]!.GetValue<int>());
        Assert.Equal(2, rendered["tags"]!.AsArray().Count);
        Assert.Equal("n=3", rendered["label"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{ "path": "steps.lookup.status", "atLeast": 200, "atMost": 299 }""", true)]
    [InlineData("""{ "path": "steps.lookup.status", "equals": 200.0 }""", true)]
    [InlineData("""{ "path": "steps.lookup.output.plan", "in": ["free", "team"] }""", true)]
    [InlineData("""{ "path": "input.name", "matches": "^A" }""", true)]
    [InlineData("""{ "path": "input.missing", "exists": false }""", true)]
    [InlineData("""{ "path": "input.tags", "minLength": 3 }""", false)]
    [InlineData("""{ "all": [ { "path": "input.n", "atLeast": 3 }, { "not": { "path": "input.name", "contains": "bob" } } ] }""", true)]
    [InlineData("""{ "any": [ { "path": "input.n", "atLeast": 4 }, { "path": "input.name", "notEquals": "Ada" } ] }""", false)]
    public void Evaluate_Conditions_ReadTheState(string json, bool expected)
    {
        Condition condition = JsonNode.Parse(json).Deserialize<Condition>(DefinitionJson.Options)!;

        Assert.Equal(expected, ConditionEvaluator.Evaluate(condition, State));
    }

    [Fact]
    public void Evaluate_CatastrophicPatternOnALongText_AnswersWithoutATimeout()
    {
        // With a backtracking engine "^(a+)+$" on this text takes exponential time (and hit a wall-clock timeout
        // whose outcome depended on load); the non-backtracking engine answers in linear time, every time.
        JsonNode state = new JsonObject { ["input"] = new JsonObject { ["text"] = new string('a', 20_000) + "!" } };
        var condition = new Condition { Path = "input.text", Matches = "^(a+)+$" };

        Assert.False(ConditionEvaluator.Evaluate(condition, state));
        Assert.True(ConditionEvaluator.Evaluate(condition with { Matches = "^(a+)+!$" }, state));
    }
}
