using StreamCanvas.Definitions;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Definitions;

/// <summary>Loading parallel and map steps: what the schema and the validator accept and refuse, with the pointer at fault.</summary>
public sealed class NestedStepDefinitionTests
{
    const string Tool = """ "kind": "tool", "connection": "c", "path": "/x" """;

    [Fact]
    public void Load_ParallelAndMap_ReadsBranchesJoinAndMapOptions()
    {
        LoadedWorkflow workflow = TestDefinitions.Load(TestDefinitions.Workflow($$$"""
            [
              { "id": "split", {{{Tool}}} },
              { "id": "sections", "kind": "map", "items": "steps.split.output.parts", "maxConcurrency": 4, "tolerateFailures": "10%",
                "steps": [ { "id": "summarize", "kind": "llm", "prompt": "{{item}} #{{index}} of {{input.topic}} from {{steps.split.output.title}}" } ] },
              { "id": "checks", "kind": "parallel", "join": { "atLeast": 1 }, "branches": [
                  { "name": "facts", "steps": [ { "id": "facts1", "kind": "llm", "prompt": "{{steps.sections.output.results}}" } ] },
                  { "name": "style", "steps": [ { "id": "style1", {{{Tool}}} } ], "onFailure": { "continueWith": { "ok": true } } } ] },
              { "id": "publish", "kind": "llm", "prompt": "{{steps.checks.output.facts}} {{steps.facts1.output.text}}" }
            ]
            """));

        var map = (MapStep)workflow.Definition.Steps[1];
        var parallel = (ParallelStep)workflow.Definition.Steps[2];
        Assert.Equal((4, 1), (map.MaxConcurrency, map.ToleratedFailures(19)));
        Assert.Equal(new JoinPolicy(JoinPolicy.AtLeastMode, 1), parallel.Join);
        Assert.Equal(["facts", "style"], parallel.Branches.Select(b => b.Name));
        Assert.Equal("summarize", workflow.Definition.FindStepAnywhere("summarize")!.Id);
    }

    public static TheoryData<string, string, string> Invalid => new()
    {
        { """[ { "id": "p", "kind": "parallel", "join": { "atLeast": 3 }, "branches": [ { "name": "a", "steps": [ { "id": "a1", "kind": "llm", "prompt": "x" } ] }, { "name": "b", "steps": [ { "id": "b1", "kind": "llm", "prompt": "y" } ] } ] } ]""",
          "/steps/0/join/atLeast", "between 1 and the 2" },
        { """[ { "id": "p", "kind": "parallel", "branches": [ { "name": "a", "steps": [ { "id": "a1", "kind": "llm", "prompt": "x" } ] }, { "name": "b", "steps": [ { "id": "b1", "kind": "llm", "prompt": "{{steps.a1.output.text}}" } ] } ] } ]""",
          "/steps/0/branches/1/steps/0/prompt", "unknown step 'a1'" },
        { """[ { "id": "p", "kind": "parallel", "branches": [ { "name": "a", "steps": [ { "id": "a1", "kind": "llm", "prompt": "x" } ] }, { "name": "a", "steps": [ { "id": "b1", "kind": "llm", "prompt": "y" } ] } ] } ]""",
          "/steps/0/branches/1/name", "duplicate branch name 'a'" },
        { """[ { "id": "p", "kind": "parallel", "branches": [ { "name": "a", "steps": [ { "id": "a1", "kind": "llm", "prompt": "x", "next": "after" } ] } ] }, { "id": "after", "kind": "llm", "prompt": "y" } ]""",
          "/steps/0/branches/0/steps/0/next", "another list of steps" },
        { """[ { "id": "p", "kind": "parallel", "branches": [ { "name": "a", "steps": [ { "id": "a1", "kind": "llm", "prompt": "x", "next": "end" }, { "id": "a2", "kind": "llm", "prompt": "y" } ] } ] } ]""",
          "/steps/0/branches/0/steps/1", "never reached" },
        { """[ { "id": "p", "kind": "parallel", "branches": [ { "name": "a", "steps": [ { "id": "p", "kind": "llm", "prompt": "x" } ] } ] } ]""",
          "/steps/0/branches/0/steps/0/id", "duplicate step id 'p'" },
        { """[ { "id": "p", "kind": "parallel", "branches": [ { "name": "a", "steps": [ { "id": "a1", "kind": "llm", "prompt": "x", "next": "a2" }, { "id": "a2", "kind": "llm", "prompt": "y", "next": "a1" } ] } ] } ]""",
          "/steps/0/branches/0/steps/", "cycle: a1 -> a2 -> a1" },
        { """[ { "id": "p", "kind": "parallel", "branches": [] } ]""", "/steps/0/branches", "" },
        { """[ { "id": "m", "kind": "map", "items": "input.topic", "steps": [ { "id": "r", "kind": "approval", "context": ["item"], "escalation": [ { "name": "l1", "timeout": "PT1H" } ] } ] } ]""",
          "/steps/0/steps", "cannot run inside a map step" },
        { """[ { "id": "a", "kind": "llm", "prompt": "{{item}}" } ]""", "/steps/0/prompt", "only inside a map step" },
        { """[ { "id": "m", "kind": "map", "items": "steps.nowhere.output", "steps": [ { "id": "x", "kind": "llm", "prompt": "y" } ] } ]""", "/steps/0/items", "unknown step 'nowhere'" },
        { """[ { "id": "m", "kind": "map", "items": "input.topic", "tolerateFailures": "150%", "steps": [ { "id": "x", "kind": "llm", "prompt": "y" } ] } ]""", "/steps/0/tolerateFailures", "" },
        { """[ { "id": "m", "kind": "map", "items": "input.topic", "steps": [ { "id": "x", "kind": "llm", "prompt": "y" } ] }, { "id": "after", "kind": "llm", "prompt": "{{steps.x.output.text}}" } ]""",
          "/steps/1/prompt", "unknown step 'x'" },
        { """[ { "id": "m", "kind": "map", "items": "input.topic", "maxConcurrency": 0, "steps": [ { "id": "x", "kind": "llm", "prompt": "y" } ] } ]""", "/steps/0/maxConcurrency", "" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Load_InvalidNestedSteps_NamesFilePathAndProblem(string steps, string pointer, string problem)
    {
        var error = Assert.Throws<WorkflowDefinitionException>(() => DefinitionLoader.Load("workflows/bad.json", TestDefinitions.Workflow(steps)));

        Assert.Contains(error.Errors, e => e.Pointer.StartsWith(pointer, StringComparison.Ordinal) && e.Message.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ApprovalsInBranchesTooLargeToShowTogether_IsRefused()
    {
        string criteria = string.Join(",", Enumerable.Range(1, 40).Select(i => $"\"criterion number {i} must hold\""));
        string Gate(string id) => $$"""{ "id": "{{id}}", "kind": "approval", "context": ["input.topic"], "criteria": [{{criteria}}], "escalation": [ { "name": "l1", "timeout": "PT1H" } ] }""";

        var error = Assert.Throws<WorkflowDefinitionException>(() => DefinitionLoader.Load("bad.json", TestDefinitions.Workflow(
            $$"""[ { "id": "p", "kind": "parallel", "branches": [ { "name": "a", "steps": [ {{Gate("g1")}} ] }, { "name": "b", "steps": [ {{Gate("g2")}} ] } ] } ]""")));

        Assert.Contains(error.Errors, e => e.Pointer == "/steps/0/branches" && e.Message.Contains("open together", StringComparison.Ordinal));
    }

    [Fact]
    public void LoadDirectory_WorkflowsCallingEachOtherInACycle_IsRefusedWithThePointer()
    {
        string directory = Directory.CreateTempSubdirectory().FullName;
        File.WriteAllText(Path.Combine(directory, "a.json"), TestDefinitions.Workflow("""[ { "id": "callB", "kind": "workflow", "workflow": "flow-b" } ]""", name: "flow-a"));
        File.WriteAllText(Path.Combine(directory, "b.json"), TestDefinitions.Workflow("""[ { "id": "x", "kind": "llm", "prompt": "p" }, { "id": "callA", "kind": "workflow", "workflow": "flow-a" } ]""", name: "flow-b"));

        var error = Assert.Throws<WorkflowDefinitionException>(() => DefinitionLoader.LoadDirectory(directory));

        Assert.Contains(error.Errors, e => e.Message.Contains("cycle: flow-a -> flow-b -> flow-a", StringComparison.Ordinal) || e.Message.Contains("cycle: flow-b -> flow-a -> flow-b", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Pointer is "/steps/0/workflow" or "/steps/1/workflow");
    }

    [Fact]
    public void LoadDirectory_WorkflowStepNamingAnUnknownWorkflow_IsRefused()
    {
        string directory = Directory.CreateTempSubdirectory().FullName;
        File.WriteAllText(Path.Combine(directory, "a.json"), TestDefinitions.Workflow("""[ { "id": "p", "kind": "parallel", "branches": [ { "name": "b", "steps": [ { "id": "call", "kind": "workflow", "workflow": "ghost-flow" } ] } ] } ]""", name: "flow-a"));

        var error = Assert.Throws<WorkflowDefinitionException>(() => DefinitionLoader.LoadDirectory(directory));

        Assert.Contains(new DefinitionError("/steps/0/branches/0/steps/0/workflow", "no workflow named 'ghost-flow' is loaded"), error.Errors);
    }
}
