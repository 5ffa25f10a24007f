using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Reliability;

/// <summary>The real process refuses to start on an invalid definition and prints where and what is wrong.</summary>
[Collection(ReliabilitySuite.Name)]
public sealed class InvalidDefinitionStartupTests
{
    public static TheoryData<string, string, string> Broken => new()
    {
        { """[ { "id": "a", "kind": "llm", "prompt": "p", "next": "b" }, { "id": "b", "kind": "llm", "prompt": "q", "next": "a" } ]""", "/steps/", "cycle: a -> b -> a" },
        { """[ { "id": "a", "kind": "llm", "prompt": "p", "next": "nowhere" } ]""", "/steps/0/next", "unknown step 'nowhere'" },
        { """[ { "id": "a", "kind": "llm", "prompt": "open {{input.topic" } ]""", "/steps/0/prompt", "unbalanced" },
        { """[ { "id": "a", "kind": "llm", "prompt": "{{steps.ghost.output}}" } ]""", "/steps/0/prompt", "unknown step 'ghost'" },
        {
            """[ { "id": "a", "kind": "llm", "prompt": "p" }, { "id": "b", "kind": "approval", "context": ["input.topic"], "escalation": [ { "name": "ed", "timeout": "PT1H", "notify": "none" }, { "name": "chief", "timeout": "PT1H", "notify": "nowhere" } ] } ]""",
            "/steps/1/escalation/1/notify", "notify channel 'nowhere' is not configured"
        },
    };

    public static TheoryData<string, string, string> UnsafeSettings => new()
    {
        { "Approvals__SigningKey", "", "Approvals__SigningKey is not configured" },
        { "Approvals__SigningKey", "local-development-signing-key-not-for-production", "Approvals__SigningKey is a value published in this repository" },
        { "Operator__ApiKey", "", "Operator__ApiKey is not configured" },
        { "Operator__ApiKey", "local-operator-key-change-me", "Operator__ApiKey is a value published in this repository" },
    };

    [Theory]
    [MemberData(nameof(UnsafeSettings))]
    public async Task HostStart_OutsideDevelopmentWithAMissingOrPublishedKey_ExitsWith2NamingTheSetting(string setting, string value, string problem)
    {
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            StandaloneHostProcess.StartAsync(new Dictionary<string, string> { [setting] = value, ["DOTNET_ENVIRONMENT"] = "Production" }));

        Assert.Contains("the host exited with 2", refused.Message, StringComparison.Ordinal);
        Assert.Contains(problem, refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Broken))]
    public async Task HostStart_InvalidDefinition_ExitsWithTheFilePointerAndProblem(string steps, string pointer, string problem)
    {
        string folder = Directory.CreateTempSubdirectory("streamcanvas-broken-").FullName;
        try
        {
            File.Copy(Path.Combine(RepoPaths.Workflows, "document-summary.json"), Path.Combine(folder, "document-summary.json"));
            await File.WriteAllTextAsync(Path.Combine(folder, "broken.json"), TestDefinitions.Workflow(steps, name: "broken"));

            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => StandaloneHostProcess.StartAsync(workflowsPath: folder));

            Assert.Contains("the host exited with 2", refused.Message, StringComparison.Ordinal);
            Assert.Contains($"broken.json#{pointer}", refused.Message, StringComparison.Ordinal);
            Assert.Contains(problem, refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
