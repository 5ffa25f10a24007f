using System.Collections.Concurrent;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Orchestration;

namespace StreamCanvas.Tests.Support;

/// <summary>
/// The interpreter on Durable Task's in-process test host (real replay), with scripted activities so each
/// test decides what the model and the tools answer.
/// </summary>
public sealed class InterpreterHost : IAsyncDisposable
{
    readonly DurableTaskTestHost host;

    InterpreterHost(DurableTaskTestHost host) => this.host = host;

    public ConcurrentQueue<LlmStepRequest> LlmCalls { get; } = new();
    public ConcurrentQueue<ToolStepRequest> ToolCalls { get; } = new();
    public ConcurrentQueue<ApprovalNotice> Notices { get; } = new();

    public Func<LlmStepRequest, StepOutcome> Llm { get; set; } = request => new StepOutcome
    {
        Output = new System.Text.Json.Nodes.JsonObject { ["text"] = $"reply to {request.Prompt}" },
        Model = "scripted",
        Tokens = new TokenUsage(10, 5),
    };

    public Func<ToolStepRequest, StepOutcome> Tool { get; set; } = _ => new StepOutcome { Status = 200, Output = new System.Text.Json.Nodes.JsonObject { ["ok"] = true } };

    /// <summary>Snapshots the gates stored beside their runs, by (instance, gate).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<(string InstanceId, string GateId), System.Text.Json.Nodes.JsonObject> StoredSnapshots { get; } = new();

    /// <summary>Throw to simulate storage that is down.</summary>
    public Func<SnapshotToStore, bool> StoreSnapshot { get; set; } = _ => true;

    /// <summary>Whether a notice reached a webhook; throw to simulate a webhook that is down.</summary>
    public Func<ApprovalNotice, bool> Notify { get; set; } = _ => true;

    /// <summary>The workflows a workflow step can start (the real activity, over this catalog).</summary>
    public StreamCanvas.Definitions.WorkflowCatalog Catalog { get; set; } = new([]);

    public DurableTaskClient Client => host.Client;

    public static async Task<InterpreterHost> StartAsync()
    {
        // The test host picks a random port in 30000-40000 when given none, which can collide with the
        // ephemeral ports other tests hold; a port the OS just handed out is free, and a rare race is retried.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnAsync(LoopbackPorts.Free());
            }
            catch (IOException) when (attempt < 5)
            {
            }
        }
    }

    static async Task<InterpreterHost> StartOnAsync(int port)
    {
        InterpreterHost? self = null;
        DurableTaskTestHost host = await DurableTaskTestHost.StartAsync(tasks =>
        {
            tasks.AddOrchestrator<WorkflowOrchestrator>();
            tasks.AddOrchestrator<MapChunkOrchestrator>();
            tasks.AddActivityFunc<LlmStepRequest, StepOutcome>(nameof(LlmStepActivity), (_, request) =>
            {
                self!.LlmCalls.Enqueue(request);
                return self.Llm(request);
            });
            tasks.AddActivityFunc<ToolStepRequest, StepOutcome>(nameof(ToolStepActivity), (_, request) =>
            {
                self!.ToolCalls.Enqueue(request);
                return self.Tool(request);
            });
            tasks.AddActivityFunc<ApprovalNotice, bool>(nameof(NotifyApproversActivity), (_, notice) =>
            {
                self!.Notices.Enqueue(notice);
                return self.Notify(notice);
            });
            tasks.AddActivityFunc<SnapshotToStore, bool>(nameof(StoreApprovalSnapshotActivity), (_, stored) =>
            {
                self!.StoredSnapshots[(stored.InstanceId, stored.GateId)] = stored.Snapshot;
                return self.StoreSnapshot(stored);
            });
            tasks.AddActivityFunc<ResolveWorkflowRequest, ResolvedWorkflow>(nameof(ResolveWorkflowActivity), (_, request) =>
                new ResolveWorkflowActivity(self!.Catalog).RunAsync(request, CancellationToken.None));
        }, new DurableTaskTestHostOptions { Port = port });
        self = new InterpreterHost(host);
        return self;
    }

    public Task<string> StartAsync(WorkflowRunRequest request) =>
        Client.ScheduleNewOrchestrationInstanceAsync(nameof(WorkflowOrchestrator), request);

    public async Task<OrchestrationMetadata> RunToCompletionAsync(WorkflowRunRequest request)
    {
        string id = await StartAsync(request);
        return await WaitAsync(id);
    }

    public async Task<OrchestrationMetadata> WaitAsync(string instanceId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
    }

    /// <summary>Waits until the run's custom status satisfies <paramref name="condition"/>.</summary>
    public async Task<RunStatus> WaitForStatusAsync(string instanceId, Func<RunStatus, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            OrchestrationMetadata? metadata = await Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true);
            if (metadata?.ReadCustomStatusAs<RunStatus>() is { } status && condition(status))
            {
                return status;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"run {instanceId} never reached the expected status");
    }

    public ValueTask DisposeAsync() => host.DisposeAsync();
}
