using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using StreamCanvas.Activities;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Tests.Support;

namespace StreamCanvas.Tests.Orchestration;

/// <summary>Map steps on the in-process Durable Task host: real replay, scripted activities.</summary>
public sealed class MapStepTests : IAsyncLifetime
{
    InterpreterHost host = null!;

    public async Task InitializeAsync() => host = await InterpreterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    /// <summary>split (a tool answering { sections: [...] }) → map a tool over the sections → an llm reading the results.</summary>
    static LoadedWorkflow SplitAndMap(string mapOptions = "") => TestDefinitions.Load(TestDefinitions.Workflow($$$"""
        [
          { "id": "split", "kind": "tool", "connection": "c", "path": "/split" },
          { "id": "summaries", "kind": "map", "items": "steps.split.output.sections" {{{mapOptions}}},
            "steps": [ { "id": "summarize", "kind": "tool", "connection": "c", "path": "/summarize/{{index}}/{{item}}/{{input.topic}}" } ] },
          { "id": "report", "kind": "llm", "prompt": "{{steps.summaries.output.results[0].path}} .. {{steps.summaries.output.succeeded}}" }
        ]
        """));

    /// <summary>The split step answers <paramref name="count"/> sections; summaries echo their path, or fail for the given sections.</summary>
    void Sections(int count, params int[] failing) => host.Tool = request =>
    {
        if (request.Path == "/split")
        {
            return new StepOutcome { Status = 200, Output = new JsonObject { ["sections"] = new JsonArray(Enumerable.Range(0, count).Select(i => (JsonNode)$"s{i}").ToArray()) } };
        }

        int index = int.Parse(request.Path.Split('/')[2], System.Globalization.CultureInfo.InvariantCulture);
        return failing.Contains(index)
            ? StepOutcome.Failure(FailureReasons.ToolError, $"section {index} is unreadable", retryable: false) with { Status = 422 }
            : new StepOutcome { Status = 200, Output = new JsonObject { ["path"] = request.Path } };
    };

    [Fact]
    public async Task RunAsync_Map_KeepsItemOrderAndReadsItemIndexAndInput()
    {
        Sections(6);

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(SplitAndMap(""", "maxConcurrency": 6""")));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        WorkflowRunResult result = done.ReadOutputAs<WorkflowRunResult>()!;
        JsonObject output = result.Outputs["summaries"]!.AsObject();
        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"/summarize/{i}/s{i}/durable"), output["results"]!.AsArray().Select(r => r!["path"]!.GetValue<string>()));
        Assert.All(output["items"]!.AsArray(), i => Assert.Equal(StepStatuses.Succeeded, i!["status"]!.GetValue<string>()));
        Assert.Equal((6, 0), (output["succeeded"]!.GetValue<int>(), output["failed"]!.GetValue<int>()));
        Assert.Equal("/summarize/0/s0/durable .. 6", Assert.Single(host.LlmCalls).Prompt);

        // The items' own steps stay out of the run's timeline; the map step carries their counts.
        Assert.Equal(["split", "summaries", "report"], result.Steps.Select(s => s.StepId));
        Assert.Equal((6, 6, 0), (result.Steps[1].Progress!.Total, result.Steps[1].Progress!.Done, result.Steps[1].Progress!.Failed));
    }

    [Fact]
    public async Task RunAsync_MaxConcurrency_NeverHasMoreItemsInFlight()
    {
        using var release = new SemaphoreSlim(0);
        Sections(7);
        Func<ToolStepRequest, StepOutcome> answer = host.Tool;
        host.Tool = request =>
        {
            if (request.Path != "/split")
            {
                release.Wait(TimeSpan.FromSeconds(30));
            }

            return answer(request);
        };

        string id = await host.StartAsync(TestDefinitions.Request(SplitAndMap(""", "maxConcurrency": 2""")));
        RunStatus status = await host.WaitForStatusAsync(id, s => s.Progress is [{ Running: > 0 }]);

        StepProgress progress = Assert.Single(status.Progress!);
        Assert.Equal(("summaries", StepKinds.Map, 7, 2, 0), (progress.StepId, progress.Kind, progress.Total, progress.Running, progress.Done));
        Assert.Equal(5, progress.Waiting);
        release.Release(7);
        OrchestrationMetadata done = await host.WaitAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(7, host.ToolCalls.Count(c => c.Path.StartsWith("/summarize/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task RunAsync_FailuresWithinTolerance_SucceedsWithPerItemStatus()
    {
        Sections(10, failing: [3, 7]);

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(SplitAndMap(""", "tolerateFailures": "20%" """)));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        JsonObject output = done.ReadOutputAs<WorkflowRunResult>()!.Outputs["summaries"]!.AsObject();
        Assert.Equal((8, 2), (output["succeeded"]!.GetValue<int>(), output["failed"]!.GetValue<int>()));
        JsonNode failed = output["items"]![3]!;
        Assert.Equal((StepStatuses.Failed, FailureReasons.ToolError), (failed["status"]!.GetValue<string>(), failed["reason"]!.GetValue<string>()));
        Assert.Null(output["results"]![7]);
        Assert.Equal("/summarize/4/s4/durable", output["results"]![4]!["path"]!.GetValue<string>());
    }

    [Fact]
    public async Task RunAsync_MoreFailuresThanTolerated_FailsTheStepNamingTheItems()
    {
        Sections(10, failing: [1, 2, 5]);

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(SplitAndMap(""", "tolerateFailures": 2, "maxConcurrency": 1""")));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        RunFailure failure = done.ReadCustomStatusAs<RunStatus>()!.Failure!;
        Assert.Equal(("summaries", FailureReasons.ItemsFailed), (failure.StepId, failure.Reason));
        Assert.Contains("3 of 10 item(s) failed; 2 tolerated", failure.Message, StringComparison.Ordinal);
        Assert.Contains("item 5: tool-error: step 'summarize': section 5 is unreadable", failure.Message, StringComparison.Ordinal);

        // One at a time, the map stops starting items once the tolerance is exceeded.
        Assert.DoesNotContain(host.ToolCalls, c => c.Path.StartsWith("/summarize/6/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_ItemsPathIsNotAnArray_FailsWithValidation()
    {
        host.Tool = _ => new StepOutcome { Status = 200, Output = new JsonObject { ["sections"] = "not a list" } };

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(SplitAndMap()));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        RunFailure failure = done.ReadCustomStatusAs<RunStatus>()!.Failure!;
        Assert.Equal((FailureReasons.Validation, "'steps.split.output.sections' is not an array"), (failure.Reason, failure.Message));
    }

    [Fact]
    public async Task RunAsync_MoreItemsThanAChunk_RunsChunksAsSubOrchestrationsAndKeepsOrder()
    {
        const int count = 12;
        Sections(count);

        OrchestrationMetadata done = await host.RunToCompletionAsync(TestDefinitions.Request(SplitAndMap(""", "maxConcurrency": 10, "itemsPerChunk": 5""")));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        JsonArray results = done.ReadOutputAs<WorkflowRunResult>()!.Outputs["summaries"]!["results"]!.AsArray();
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"/summarize/{i}/s{i}/durable"), results.Select(r => r!["path"]!.GetValue<string>()));
        for (int chunk = 0; chunk < 3; chunk++)
        {
            OrchestrationMetadata? child = await host.Client.GetInstanceAsync(MapChunkOrchestrator.InstanceIdFor(done.InstanceId, "summaries", 1, chunk));
            Assert.Equal(OrchestrationRuntimeStatus.Completed, child?.RuntimeStatus);
            Assert.Equal(nameof(MapChunkOrchestrator), child!.Name);
        }

        // Each item's call names its item, which keeps their idempotency keys apart within a chunk.
        var summaries = host.ToolCalls.Where(c => c.Path.StartsWith("/summarize/", StringComparison.Ordinal)).ToList();
        Assert.Equal(Enumerable.Range(0, count), summaries.Select(c => c.Step.Item ?? -1).Order());
        Assert.All(summaries, c => Assert.StartsWith($"/summarize/{c.Step.Item}/", c.Path, StringComparison.Ordinal));
    }
}
