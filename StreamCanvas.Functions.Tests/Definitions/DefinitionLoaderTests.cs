using StreamCanvas.Definitions;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Definitions;

public sealed class DefinitionLoaderTests
{
    [Fact]
    public void LoadDirectory_SampleWorkflows_AreValidWithOwnersAndDefinitionsOfDone()
    {
        WorkflowCatalog catalog = DefinitionLoader.LoadDirectory(RepoPaths.Workflows);

        Assert.Equal(["content-publishing", "daily-digest", "document-summary", "research-report", "support-agent", "support-triage"], catalog.All.Select(w => w.Name).Order());
        Assert.All(catalog.All, w =>
        {
            Assert.NotEmpty(w.Definition.Owner.Team);
            Assert.NotEmpty(w.Definition.DefinitionOfDone);
            Assert.Matches("^[0-9a-f]{64}$", w.ContentHash);
        });
        Assert.Contains(catalog.Find("support-triage")!.Definition.Steps, s => s is ToolStep);
        Assert.Contains(catalog.Find("content-publishing")!.Definition.Steps, s => s is ApprovalStep);
        Assert.Contains(catalog.Find("research-report")!.Definition.Steps, s => s is MapStep { MaxConcurrency: 4 });
        Assert.Contains(catalog.Find("research-report")!.Definition.Steps, s => s is ParallelStep);
        Assert.Contains(catalog.Find("daily-digest")!.Definition.Steps, s => s is SubWorkflowStep { Workflow: "research-report" });
    }

    [Fact]
    public void ContentHash_SameDefinitionFormattedDifferently_IsTheSame()
    {
        string json = TestDefinitions.Workflow("""[ { "id": "a", "kind": "llm", "prompt": "p" } ]""");

        string compact = TestDefinitions.Load(json).ContentHash;
        string spaced = TestDefinitions.Load(json.Replace("\n", "\n\n    ", StringComparison.Ordinal)).ContentHash;
        string changed = TestDefinitions.Load(json.Replace("\"p\"", "\"q\"", StringComparison.Ordinal)).ContentHash;

        Assert.Equal(compact, spaced);
        Assert.NotEqual(compact, changed);
    }

    public static TheoryData<string, string, string> InvalidSteps => new()
    {
        { """[ { "id": "a", "kind": "llm", "prompt": "p", "next": "nowhere" } ]""", "/steps/0/next", "unknown step 'nowhere'" },
        { """[ { "id": "a", "kind": "llm", "prompt": "use {{steps.ghost.output.x}}" } ]""", "/steps/0/prompt", "unknown step 'ghost'" },
        { """[ { "id": "a", "kind": "llm", "prompt": "use {{input.missing}}" } ]""", "/steps/0/prompt", "does not declare" },
        { """[ { "id": "a", "kind": "llm", "prompt": "open {{input.topic" } ]""", "/steps/0/prompt", "unbalanced" },
        { """[ { "id": "a", "kind": "llm", "prompt": "{{steps.a.result}}" } ]""", "/steps/0/prompt", "reads 'result'" },
        { """[ { "id": "a", "kind": "llm", "prompt": "p" }, { "id": "a", "kind": "llm", "prompt": "q" } ]""", "/steps/1/id", "duplicate step id 'a'" },
        { """[ { "id": "a", "kind": "llm", "prompt": "p", "next": "b" }, { "id": "b", "kind": "llm", "prompt": "q", "next": "a" } ]""", "/steps/", "cycle: a -> b -> a" },
        { """[ { "id": "a", "kind": "teleport" } ]""", "/steps/0/kind", "" },
        { """[ { "id": "a", "kind": "llm" } ]""", "/steps/0/prompt", "is required" },
        { """[ { "id": "a", "kind": "tool", "connection": "c", "path": "no-slash" } ]""", "/steps/0/path", "" },
        { """[ { "id": "a", "kind": "condition", "branches": [ { "when": { "path": "input.topic" }, "goto": "end" } ], "else": "end" } ]""", "/steps/0/branches/0/when", "needs a test" },
        { """[ { "id": "a", "kind": "condition", "branches": [ { "when": { "path": "input.topic", "matches": "([" }, "goto": "end" } ], "else": "end" } ]""", "/steps/0/branches/0/when/matches", "regular expression" },
        { """[ { "id": "a", "kind": "condition", "branches": [ { "when": { "path": "input.topic", "matches": "(a)\\1" }, "goto": "end" } ], "else": "end" } ]""", "/steps/0/branches/0/when/matches", "needs backtracking" },
        { """[ { "id": "a", "kind": "condition", "branches": [ { "when": { "path": "input.topic", "matches": "^(?=x)" }, "goto": "end" } ], "else": "end" } ]""", "/steps/0/branches/0/when/matches", "needs backtracking" },
        { """[ { "id": "a", "kind": "approval", "context": ["input.topic"], "escalation": [ { "name": "l1", "timeout": "PT1H", "reminders": ["PT2H"] } ] } ]""", "/steps/0/escalation/0/reminders/0", "shorter than" },
        { """[ { "id": "a", "kind": "approval", "context": ["steps.nope.output"], "escalation": [ { "name": "l1", "timeout": "PT1H" } ] } ]""", "/steps/0/context/0", "unknown step 'nope'" },
        { $$"""[ { "id": "a", "kind": "approval", "context": ["input.topic"], "escalation": [ { "name": "l1", "timeout": "PT1H", "approvers": [{{ManyApprovers}}] } ] } ]""", "/steps/0/escalation/0", "fit a run's status" },
    };

    static readonly string ManyApprovers = string.Join(",", Enumerable.Range(1, 120).Select(i => $"\"reviewer-{i}@example.com\""));

    [Theory]
    [MemberData(nameof(InvalidSteps))]
    public void Load_InvalidDefinition_NamesFilePathAndProblem(string steps, string pointer, string problem)
    {
        var error = Assert.Throws<WorkflowDefinitionException>(() => DefinitionLoader.Load("workflows/bad.json", TestDefinitions.Workflow(steps)));

        Assert.Equal("workflows/bad.json", error.File);
        Assert.Contains(error.Errors, e => e.Pointer.StartsWith(pointer, StringComparison.Ordinal) && e.Message.Contains(problem, StringComparison.Ordinal));
        Assert.Contains("workflows/bad.json#" + pointer, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingOwnerAndUnknownField_ReportsBothWithTheirPaths()
    {
        string json = TestDefinitions.Workflow("""[ { "id": "a", "kind": "llm", "prompt": "p" } ]""")
            .Replace("\"owner\": { \"team\": \"Tests\", \"contact\": \"tests@example.com\" },", "\"colour\": \"blue\",", StringComparison.Ordinal);

        var error = Assert.Throws<WorkflowDefinitionException>(() => DefinitionLoader.Load("x.json", json));

        Assert.Contains(new DefinitionError("/owner", "is required"), error.Errors);
        Assert.Contains(new DefinitionError("/colour", "is not a known property here"), error.Errors);
    }

    [Fact]
    public void Load_NotJson_ReportsTheLine()
    {
        var error = Assert.Throws<WorkflowDefinitionException>(() => DefinitionLoader.Load("x.json", "{ \"name\": \n oops }"));

        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RequestChangesLoop_IsAllowedBecauseItIsBounded()
    {
        LoadedWorkflow workflow = TestDefinitions.Load(TestDefinitions.Workflow("""
            [
              { "id": "draft", "kind": "llm", "prompt": "p" },
              { "id": "review", "kind": "approval", "context": ["steps.draft.output"],
                "escalation": [ { "name": "l1", "timeout": "PT1H" } ], "requestChanges": { "goto": "draft", "maxRounds": 2 } }
            ]
            """));

        Assert.Equal(2, workflow.Definition.Steps.Count);
    }

    [Fact]
    public void LoadDirectory_TwoFilesWithOneName_IsRefused()
    {
        string directory = Directory.CreateTempSubdirectory().FullName;
        string json = TestDefinitions.Workflow("""[ { "id": "a", "kind": "llm", "prompt": "p" } ]""");
        File.WriteAllText(Path.Combine(directory, "one.json"), json);
        File.WriteAllText(Path.Combine(directory, "two.json"), json);

        var error = Assert.Throws<WorkflowDefinitionException>(() => DefinitionLoader.LoadDirectory(directory));

        Assert.Contains("also defined in", error.Message, StringComparison.Ordinal);
    }
}
