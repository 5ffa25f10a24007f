using StreamCanvas.Definitions;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Definitions;

/// <summary>An agent's workflow and MCP tools as definitions: their shapes, and workflow tools checked across the catalog.</summary>
public sealed class AgentToolDefinitionTests
{
    static string Agent(string tools) =>
        $$"""[ { "id": "helper", "kind": "agent", "instructions": "i", "prompt": "p", "tools": {{tools}} } ]""";

    static string Directory(params (string File, string Json)[] files)
    {
        string directory = System.IO.Directory.CreateTempSubdirectory().FullName;
        foreach ((string file, string json) in files)
        {
            File.WriteAllText(Path.Combine(directory, file), json);
        }

        return directory;
    }

    [Fact]
    public void Load_WorkflowAndMcpTools_AreReadWithTheirOversight()
    {
        LoadedWorkflow loaded = TestDefinitions.Load(TestDefinitions.Workflow(Agent("""
            [
              { "name": "research", "workflow": "research-topic" },
              { "mcp": "orders", "include": ["cancel_order"], "requiresApproval": true,
                "approval": { "escalation": [{ "name": "lead", "approvers": ["lead@example.com"], "timeout": "PT1H" }] } }
            ]
            """)));

        AgentStep agent = (AgentStep)loaded.Definition.Steps[0];
        Assert.Equal(("research", "research-topic"), (agent.Tools[0].Name, agent.Tools[0].Workflow));
        Assert.Equal("orders", agent.Tools[1].Mcp);
        Assert.Equal(["cancel_order"], agent.Tools[1].Include!);
        Assert.Equal("helper.orders.cancel_order", agent.GateStep("orders.cancel_order")!.Id);
        Assert.Null(agent.GateStep("research"));
    }

    [Fact]
    public void Load_McpEntryWithAnHttpPath_IsRefusedByTheSchema()
    {
        var error = Assert.Throws<WorkflowDefinitionException>(() => TestDefinitions.Load(TestDefinitions.Workflow(Agent("""[ { "mcp": "orders", "path": "/x" } ]"""))));

        Assert.Contains(error.Errors, e => e.Pointer.StartsWith("/steps/0/tools/0", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_SameMcpServerTwice_IsRefused()
    {
        var error = Assert.Throws<WorkflowDefinitionException>(() => TestDefinitions.Load(TestDefinitions.Workflow(Agent("""[ { "mcp": "orders" }, { "mcp": "orders" } ]"""))));

        Assert.Contains(error.Errors, e => e.Pointer == "/steps/0/tools/1/mcp");
    }

    [Fact]
    public void LoadDirectory_WorkflowToolNamingAnUnknownWorkflow_IsRefusedWithItsPointer()
    {
        string directory = Directory(("a.json", TestDefinitions.Workflow(Agent("""[ { "name": "research", "workflow": "ghost-flow" } ]"""), name: "flow-a")));

        var error = Assert.Throws<WorkflowDefinitionException>(() => DefinitionLoader.LoadDirectory(directory));

        Assert.Contains(new DefinitionError("/steps/0/tools/0/workflow", "no workflow named 'ghost-flow' is loaded"), error.Errors);
    }

    [Fact]
    public void LoadDirectory_AgentToolCallingBackIntoItsWorkflow_IsACycle()
    {
        string directory = Directory(
            ("a.json", TestDefinitions.Workflow(Agent("""[ { "name": "delegate", "workflow": "flow-b" } ]"""), name: "flow-a")),
            ("b.json", TestDefinitions.Workflow("""[ { "id": "callA", "kind": "workflow", "workflow": "flow-a" } ]""", name: "flow-b")));

        var error = Assert.Throws<WorkflowDefinitionException>(() => DefinitionLoader.LoadDirectory(directory));

        Assert.Contains(error.Errors, e => e.Message.Contains("cycle: flow-a -> flow-b -> flow-a", StringComparison.Ordinal) || e.Message.Contains("cycle: flow-b -> flow-a -> flow-b", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Pointer is "/steps/0/tools/0/workflow" or "/steps/0/workflow");
    }
}
