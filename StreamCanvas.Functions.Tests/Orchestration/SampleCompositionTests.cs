using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using StreamCanvas.Activities;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Storage;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Orchestration;

/// <summary>The composition samples as shipped in workflows/, run on the in-process host with a scripted model.</summary>
public sealed class SampleCompositionTests : IAsyncLifetime
{
    InterpreterHost host = null!;

    public async Task InitializeAsync() => host = await InterpreterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task DailyDigest_RunsResearchReportAsAChildThroughMapChecksApprovalAndPublish()
    {
        WorkflowCatalog catalog = DefinitionLoader.LoadDirectory(RepoPaths.Workflows);
        host.Catalog = catalog;
        host.Llm = request => new StepOutcome
        {
            Output = request.Prompt.StartsWith("Split this document", StringComparison.Ordinal)
                ? new JsonObject { ["sections"] = new JsonArray("alpha", "beta", "gamma") }
                : new JsonObject { ["text"] = "Notes of the day: three findings, each with its source and a short explanation." },
            Model = "scripted",
            Tokens = new TokenUsage(10, 5),
        };
        host.Tool = request => new StepOutcome { Status = 201, Output = new JsonObject { ["id"] = 1 } };
        LoadedWorkflow digest = catalog.Find("daily-digest")!;

        string id = await host.StartAsync(WorkflowRunRequest.New(digest.Definition, digest.ContentHash, new JsonObject { ["edition"] = "monday" }));
        string childId = RunIds.ForChild("research-report", id, "report", 1);
        RunStatus waiting = await host.WaitForStatusAsync(childId, s => s.Gate is not null);
        await host.Client.RaiseEventAsync(childId, ApprovalEvents.ForGate(waiting.Gate!.GateId), new ApprovalDecision
        {
            Decision = Decisions.Approve, Approver = "ed@example.com", SnapshotHash = waiting.Gate.SnapshotHash, Level = 0, DecidedAt = DateTime.UtcNow,
        });
        OrchestrationMetadata done = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        WorkflowRunResult result = done.ReadOutputAs<WorkflowRunResult>()!;
        Assert.Equal(RunOutcomes.Succeeded, result.Outcome);
        Assert.Equal(3, host.LlmCalls.Count(c => c.Prompt.StartsWith("Summarize section", StringComparison.Ordinal)));
        Assert.Equal("Daily digest monday", Assert.Single(host.ToolCalls).Body!["title"]!.GetValue<string>());
        Assert.Equal(3, result.Outputs["report"]!["outputs"]!["summaries"]!["succeeded"]!.GetValue<int>());
    }
}
