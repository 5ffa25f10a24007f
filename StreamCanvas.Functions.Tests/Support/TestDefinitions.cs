using System.Text.Json.Nodes;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;

namespace StreamCanvas.Tests.Support;

/// <summary>Builds definitions from JSON written in the test, through the same loader the hosts use.</summary>
public static class TestDefinitions
{
    public static LoadedWorkflow Load(string json, string file = "test.json") => DefinitionLoader.Load(file, json);

    /// <summary>A complete definition around the given steps and definition of done (JSON array texts).</summary>
    public static string Workflow(string steps, string definitionOfDone = """[{ "name": "always", "condition": { "path": "input.topic", "exists": true } }]""", string name = "test-flow") => $$"""
        {
          "name": "{{name}}",
          "version": "1.0.0",
          "description": "test workflow",
          "owner": { "team": "Tests", "contact": "tests@example.com" },
          "inputSchema": { "type": "object", "properties": { "topic": { "type": "string" }, "score": { "type": "number" } } },
          "steps": {{steps}},
          "definitionOfDone": {{definitionOfDone}}
        }
        """;

    /// <summary>A one-step workflow (an llm step) with the given schedule (a JSON object text).</summary>
    public static string Scheduled(string schedule, string name = "test-flow") =>
        Workflow("""[ { "id": "work", "kind": "llm", "prompt": "Work on {{input.topic}}" } ]""", name: name)
            .Replace("\"version\": \"1.0.0\",", $"\"version\": \"1.0.0\", \"schedule\": {schedule},", StringComparison.Ordinal);

    public static WorkflowRunRequest Request(LoadedWorkflow workflow, string inputJson = """{ "topic": "durable" }""") =>
        WorkflowRunRequest.New(workflow.Definition, workflow.ContentHash, JsonNode.Parse(inputJson)!.AsObject());
}
