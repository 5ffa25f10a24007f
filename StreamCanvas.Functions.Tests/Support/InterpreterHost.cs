using System.Collections.Concurrent;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Alerts;
using StreamCanvas.Activities.Mcp;
using StreamCanvas.Activities.Models;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Activities.Records;
using StreamCanvas.Hosting;
using StreamCanvas.Orchestration;
using StreamCanvas.Schedules;
using StreamCanvas.Starts;
using StreamCanvas.Storage;

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
    public ConcurrentQueue<OwnerAlert> Alerts { get; } = new();
    public ConcurrentQueue<AgentTurnRequest> AgentTurns { get; } = new();

    /// <summary>The model agent turns call (through the real turn activity): the offline model unless a test sets one.</summary>
    public Microsoft.Extensions.AI.IChatClient AgentModel { get; set; } =
        StreamCanvas.Activities.Models.ModelPipeline.Build(new StreamCanvas.Activities.Models.OfflineChatClient(), new StreamCanvas.Activities.Models.ModelOptions());

    /// <summary>The runs this host finished, as RecordRunActivity wrote them.</summary>
    public InMemoryRunRecords RunRecords { get; } = new();

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

    /// <summary>Closes a gate level in the decision table; by default no decision claimed the level.</summary>
    public Func<GateLevelToClose, ApprovalDecision?> CloseGateLevel { get; set; } = _ => null;

    public ConcurrentQueue<GateLevelToClose> ClosedLevels { get; } = new();

    /// <summary>Whether a notice reached a webhook; throw to simulate a webhook that is down.</summary>
    public Func<ApprovalNotice, bool> Notify { get; set; } = _ => true;

    /// <summary>The workflows a workflow step can start (the real activity, over this catalog).</summary>
    public StreamCanvas.Definitions.WorkflowCatalog Catalog { get; set; } = new([]);

    /// <summary>The MCP servers agent steps reach, through the real list and call activities.</summary>
    public McpOptions Mcp { get; set; } = new();

    public ConcurrentQueue<McpToolCallRequest> McpCalls { get; } = new();

    public DurableTaskClient Client => host.Client;

    /// <summary>Schedule rows (pause flag, last occurrence) that the real occurrence start reads and writes.</summary>
    public InMemoryScheduleStates ScheduleStates { get; } = new();

    public ConcurrentQueue<ScheduleRequest> ScheduleReads { get; } = new();

    public ConcurrentQueue<OccurrenceToStart> Occurrences { get; } = new();

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
        DurableTaskTestHost host = await DurableTaskTestHost.StartAsync(
            tasks => tasks.AddStreamCanvasTasks(activity => activity.RunBy(input => self!.ScriptAsync(activity.Name, input))),
            new DurableTaskTestHostOptions { Port = port });
        self = new InterpreterHost(host);
        return self;
    }

    Task<object?> ScriptAsync(string activity, object input) =>
        input is OccurrenceToStart occurrence && activity == nameof(StartOccurrenceActivity)
            ? StartOccurrenceAsync(occurrence)
            : Task.FromResult(Script(activity, input));

    /// <summary>The real start of an occurrence (through RunStarter) on this host's client, over <see cref="Catalog"/>.</summary>
    async Task<object?> StartOccurrenceAsync(OccurrenceToStart occurrence)
    {
        Occurrences.Enqueue(occurrence);
        var starts = new ScheduledStarts(Catalog, new RunStarter(Catalog, new GrantingStartClaims(), Microsoft.Extensions.Logging.Abstractions.NullLogger<RunStarter>.Instance),
            ScheduleStates, Microsoft.Extensions.Logging.Abstractions.NullLogger<ScheduledStarts>.Instance);
        return await starts.StartAsync(occurrence.Workflow, occurrence.Occurrence, Client, CancellationToken.None);
    }

    /// <summary>Every activity of the app's one list is scripted here; a new one fails loudly until it is.</summary>
    object? Script(string activity, object input)
    {
        switch (input)
        {
            case LlmStepRequest request when activity == nameof(LlmStepActivity):
                LlmCalls.Enqueue(request);
                return Llm(request);
            case ToolStepRequest request when activity == nameof(ToolStepActivity):
                ToolCalls.Enqueue(request);
                return Tool(request);
            case ApprovalNotice notice when activity == nameof(NotifyApproversActivity):
                Notices.Enqueue(notice);
                return Notify(notice);
            case SnapshotToStore stored when activity == nameof(StoreApprovalSnapshotActivity):
                StoredSnapshots[(stored.InstanceId, stored.GateId)] = stored.Snapshot;
                return StoreSnapshot(stored);
            case GateLevelToClose level when activity == nameof(CloseGateLevelActivity):
                ClosedLevels.Enqueue(level);
                return CloseGateLevel(level);
            case OwnerAlert alert when activity == nameof(AlertOwnerActivity):
                Alerts.Enqueue(alert);
                return true;
            case ResolveWorkflowRequest request when activity == nameof(ResolveWorkflowActivity):
                // The real activity over this host's catalog (it completes synchronously).
                return new ResolveWorkflowActivity(Catalog).RunAsync(request, CancellationToken.None).GetAwaiter().GetResult();
            case RecordRunRequest request when activity == nameof(RecordRunActivity):
                // The real activity over an in-memory table, so pass-rate alerts see the runs this host finished.
                return new RecordRunActivity(RunRecords).RunAsync(request, CancellationToken.None).GetAwaiter().GetResult();
            case AgentTurnRequest request when activity == nameof(AgentTurnActivity):
                AgentTurns.Enqueue(request);
                // The real turn activity over AgentModel; a conversation stored beside the run is read from StoredSnapshots.
                AgentTurnRequest inline = request.Conversation is not null ? request : request with
                {
                    Conversation = AgentConversation.FromJson(StoredSnapshots[(request.Step.InstanceId, request.StoredConversation!)]["messages"]),
                    StoredConversation = null,
                };
                return new AgentTurnActivity(AgentModel, AllowingBudget, null!, Microsoft.Extensions.Logging.Abstractions.NullLogger<AgentTurnActivity>.Instance)
                    .RunAsync(inline, CancellationToken.None).GetAwaiter().GetResult();
            case ScheduleRequest request when activity == nameof(ReadScheduleActivity):
                ScheduleReads.Enqueue(request);
                return new ReadScheduleActivity(Catalog, Microsoft.Extensions.Options.Options.Create(new ScheduleOptions())).RunAsync(request, CancellationToken.None).GetAwaiter().GetResult();
            case McpToolsRequest request when activity == nameof(ListMcpToolsActivity):
                return new ListMcpToolsActivity(ReachMcp(), NullLogger<ListMcpToolsActivity>.Instance)
                    .RunAsync(request, CancellationToken.None).GetAwaiter().GetResult();
            case McpToolCallRequest request when activity == nameof(CallMcpToolActivity):
                McpCalls.Enqueue(request);
                return new CallMcpToolActivity(ReachMcp(), NullLogger<CallMcpToolActivity>.Instance)
                    .RunAsync(request, CancellationToken.None).GetAwaiter().GetResult();
            default:
                throw new InvalidOperationException($"InterpreterHost has no script for activity {activity}");
        }
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
        // A generous cap: it bounds a stuck run, never measures speed (the suite must pass on a busy machine).
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        return await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
    }

    /// <summary>Waits until the run's custom status satisfies <paramref name="condition"/>.</summary>
    public async Task<RunStatus> WaitForStatusAsync(string instanceId, Func<RunStatus, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
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

    McpServers ReachMcp() => new(Microsoft.Extensions.Options.Options.Create(Mcp), HttpClients);

    static readonly IHttpClientFactory HttpClients =
        new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();

    /// <summary>A daily token ledger with room for every turn (budgets are the turn activity's own tests).</summary>
    static readonly ITokenLedger AllowingLedger = CreateAllowingLedger();

    /// <summary>Prices the OpenAI stub's model at 1 and 2 per 1K input and output tokens, so agent turns it answers carry a cost.</summary>
    static readonly ModelPricing Pricing = new(Microsoft.Extensions.Options.Options.Create(new ModelOptions
    {
        Pricing = { ["gpt-stub"] = new ModelPrice { InputPer1K = 1m, OutputPer1K = 2m } },
    }));

    static readonly DailyBudget AllowingBudget = new(AllowingLedger, Pricing, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<DailyBudget>.Instance);

    static ITokenLedger CreateAllowingLedger()
    {
        var ledger = new Moq.Mock<ITokenLedger>();
        ledger.Setup(l => l.TryReserveAsync(Moq.It.IsAny<string>(), Moq.It.IsAny<DateOnly>(), Moq.It.IsAny<DailyCharge>(), Moq.It.IsAny<DailyLimits>(), Moq.It.IsAny<CancellationToken>()))
            .Returns((string w, DateOnly d, DailyCharge charge, DailyLimits _, CancellationToken _) => Task.FromResult<TokenReservation?>(new TokenReservation(w, d, "r", charge)));
        ledger.Setup(l => l.UsedAsync(Moq.It.IsAny<string>(), Moq.It.IsAny<DateOnly>(), Moq.It.IsAny<CancellationToken>())).Returns(Task.FromResult(DailyCharge.None));
        return ledger.Object;
    }
}
