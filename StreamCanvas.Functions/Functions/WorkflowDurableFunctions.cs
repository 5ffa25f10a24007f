using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Alerts;
using StreamCanvas.Activities.Mcp;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Activities.Records;
using StreamCanvas.Orchestration;
using StreamCanvas.Schedules;
using StreamCanvas.Storage;

namespace StreamCanvas.Functions;

/// <summary>The orchestrator and activities under the Functions host; the same classes the standalone worker registers.</summary>
public sealed class WorkflowDurableFunctions(
    LlmStepActivity llm, ToolStepActivity tool, NotifyApproversActivity notify, StoreApprovalSnapshotActivity storeSnapshot,
    CloseGateLevelActivity closeGateLevel, AlertOwnerActivity alertOwner, ResolveWorkflowActivity resolveWorkflow, RecordRunActivity recordRun, AgentTurnActivity agentTurn,
    ListMcpToolsActivity listMcpTools, CallMcpToolActivity callMcpTool,
    ReadScheduleActivity readSchedule, StartOccurrenceActivity startOccurrence)
{
    [Function(nameof(WorkflowOrchestrator))]
    public static Task<WorkflowRunResult> RunWorkflow([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new WorkflowOrchestrator().RunAsync(context, context.GetInput<WorkflowRunRequest>()
            ?? throw new InvalidOperationException("a workflow run needs its WorkflowRunRequest input"));

    [Function(nameof(MapChunkOrchestrator))]
    public static Task<MapChunkResult> RunMapChunk([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new MapChunkOrchestrator().RunAsync(context, context.GetInput<MapChunkRequest>()
            ?? throw new InvalidOperationException("a map chunk needs its MapChunkRequest input"));

    /// <summary>Registered on both hosts from the one list, though only the standalone host starts schedule loops (Functions uses its timer).</summary>
    [Function(nameof(ScheduleOrchestrator))]
    public static Task<string> RunSchedule([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new ScheduleOrchestrator().RunAsync(context, context.GetInput<ScheduleLoop>()
            ?? throw new InvalidOperationException("a schedule loop needs its ScheduleLoop input"));

    [Function(nameof(LlmStepActivity))]
    public Task<StepOutcome> RunLlmStep([ActivityTrigger] LlmStepRequest request, FunctionContext context) =>
        llm.RunAsync(request, context.CancellationToken);

    [Function(nameof(ToolStepActivity))]
    public Task<StepOutcome> RunToolStep([ActivityTrigger] ToolStepRequest request, FunctionContext context) =>
        tool.RunAsync(request, context.CancellationToken);

    [Function(nameof(NotifyApproversActivity))]
    public Task<bool> NotifyApprovers([ActivityTrigger] ApprovalNotice notice, FunctionContext context) =>
        notify.RunAsync(notice, context.CancellationToken);

    [Function(nameof(StoreApprovalSnapshotActivity))]
    public Task<bool> StoreApprovalSnapshot([ActivityTrigger] SnapshotToStore request, FunctionContext context) =>
        storeSnapshot.RunAsync(request, context.CancellationToken);

    [Function(nameof(CloseGateLevelActivity))]
    public Task<ApprovalDecision?> CloseGateLevel([ActivityTrigger] GateLevelToClose request, FunctionContext context) =>
        closeGateLevel.RunAsync(request, context.CancellationToken);

    [Function(nameof(AlertOwnerActivity))]
    public Task<bool> AlertOwner([ActivityTrigger] OwnerAlert alert, FunctionContext context) =>
        alertOwner.RunAsync(alert, context.CancellationToken);

    [Function(nameof(ResolveWorkflowActivity))]
    public Task<ResolvedWorkflow> ResolveWorkflow([ActivityTrigger] ResolveWorkflowRequest request, FunctionContext context) =>
        resolveWorkflow.RunAsync(request, context.CancellationToken);

    [Function(nameof(RecordRunActivity))]
    public Task<DoneRate?> RecordRun([ActivityTrigger] RecordRunRequest request, FunctionContext context) =>
        recordRun.RunAsync(request, context.CancellationToken);

    [Function(nameof(AgentTurnActivity))]
    public Task<AgentTurnOutcome> RunAgentTurn([ActivityTrigger] AgentTurnRequest request, FunctionContext context) =>
        agentTurn.RunAsync(request, context.CancellationToken);

    [Function(nameof(ReadScheduleActivity))]
    public Task<ScheduleReading> ReadSchedule([ActivityTrigger] ScheduleRequest request, FunctionContext context) =>
        readSchedule.RunAsync(request, context.CancellationToken);

    [Function(nameof(StartOccurrenceActivity))]
    public Task<OccurrenceStart> StartOccurrence([ActivityTrigger] OccurrenceToStart request, FunctionContext context) =>
        startOccurrence.RunAsync(request, context.CancellationToken);

    [Function(nameof(ListMcpToolsActivity))]
    public Task<McpToolList> ListMcpTools([ActivityTrigger] McpToolsRequest request, FunctionContext context) =>
        listMcpTools.RunAsync(request, context.CancellationToken);

    [Function(nameof(CallMcpToolActivity))]
    public Task<StepOutcome> CallMcpTool([ActivityTrigger] McpToolCallRequest request, FunctionContext context) =>
        callMcpTool.RunAsync(request, context.CancellationToken);
}
