using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Alerts;
using StreamCanvas.Activities.Mcp;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Activities.Records;
using StreamCanvas.Orchestration;
using StreamCanvas.Schedules;
using StreamCanvas.Storage;

namespace StreamCanvas.Hosting;

/// <summary>
/// The orchestrators and activities StreamCanvas runs, declared once. The standalone worker, the services both
/// hosts share, the test host and the benchmark register from this list; the Functions host's triggers are
/// generated from attributes, so a test checks that its declarations equal it. Adding an activity is its class
/// plus one line here.
/// </summary>
public static class DurableTasks
{
    public static IReadOnlyList<Type> Orchestrators { get; } = [typeof(WorkflowOrchestrator), typeof(MapChunkOrchestrator), typeof(ScheduleOrchestrator)];

    public static IReadOnlyList<DurableActivity> Activities { get; } =
    [
        DurableActivity.Of<LlmStepActivity, LlmStepRequest, StepOutcome>(),
        DurableActivity.Of<ToolStepActivity, ToolStepRequest, StepOutcome>(),
        DurableActivity.Of<NotifyApproversActivity, ApprovalNotice, bool>(),
        DurableActivity.Of<StoreApprovalSnapshotActivity, SnapshotToStore, bool>(),
        DurableActivity.Of<CloseGateLevelActivity, GateLevelToClose, ApprovalDecision?>(),
        DurableActivity.Of<AlertOwnerActivity, OwnerAlert, bool>(),
        DurableActivity.Of<ResolveWorkflowActivity, ResolveWorkflowRequest, ResolvedWorkflow>(),
        DurableActivity.Of<RecordRunActivity, RecordRunRequest, DoneRate?>(),
        DurableActivity.Of<AgentTurnActivity, AgentTurnRequest, AgentTurnOutcome>(),
        DurableActivity.Of<ReadScheduleActivity, ScheduleRequest, ScheduleReading>(),
        DurableActivity.Of<StartOccurrenceActivity, OccurrenceToStart, OccurrenceStart>(),
        DurableActivity.Of<ListMcpToolsActivity, McpToolsRequest, McpToolList>(),
        DurableActivity.Of<CallMcpToolActivity, McpToolCallRequest, StepOutcome>(),
    ];

    /// <summary>Every activity class as a service, for the worker (standalone) or the triggers (Functions) to resolve.</summary>
    public static IServiceCollection AddActivityServices(this IServiceCollection services)
    {
        foreach (DurableActivity activity in Activities)
        {
            services.AddTransient(activity.Implementation);
        }

        return services;
    }

    /// <summary>The orchestrators, and each activity run by its service.</summary>
    public static DurableTaskRegistry AddStreamCanvasTasks(this DurableTaskRegistry tasks) =>
        AddStreamCanvasTasks(tasks, activity => activity.RunByService);

    /// <summary>The orchestrators, and each activity run by <paramref name="implementation"/> (tests and benchmarks script them).</summary>
    public static DurableTaskRegistry AddStreamCanvasTasks(this DurableTaskRegistry tasks, Func<DurableActivity, Func<IServiceProvider, ITaskActivity>> implementation)
    {
        foreach (Type orchestrator in Orchestrators)
        {
            tasks.AddOrchestrator(orchestrator);
        }

        foreach (DurableActivity activity in Activities)
        {
            tasks.AddActivity(new TaskName(activity.Name), implementation(activity));
        }

        return tasks;
    }
}

/// <summary>One activity: its name (the class name, as the Functions trigger is named), service and data types.</summary>
public abstract record DurableActivity(string Name, Type Implementation, Type Input, Type Output)
{
    public static DurableActivity Of<TActivity, TInput, TOutput>()
        where TActivity : class, IDurableActivity<TInput, TOutput> =>
        new Typed<TActivity, TInput, TOutput>();

    /// <summary>Resolves the activity's service and calls it.</summary>
    public abstract Func<IServiceProvider, ITaskActivity> RunByService { get; }

    /// <summary>Runs <paramref name="script"/> instead, with the activity's own input and output types.</summary>
    public abstract Func<IServiceProvider, ITaskActivity> RunBy(Func<object, Task<object?>> script);

    sealed record Typed<TActivity, TInput, TOutput>() : DurableActivity(typeof(TActivity).Name, typeof(TActivity), typeof(TInput), typeof(TOutput))
        where TActivity : class, IDurableActivity<TInput, TOutput>
    {
        public override Func<IServiceProvider, ITaskActivity> RunByService =>
            sp => new ServiceActivity<TInput, TOutput>(sp.GetRequiredService<TActivity>().RunAsync);

        public override Func<IServiceProvider, ITaskActivity> RunBy(Func<object, Task<object?>> script) =>
            _ => new ServiceActivity<TInput, TOutput>(async (input, _) => (TOutput)(await script(input!))!);
    }
}
