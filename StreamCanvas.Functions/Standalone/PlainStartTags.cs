using DurableTask.Core;
using DurableTask.Core.History;

namespace StreamCanvas.Standalone;

/// <summary>
/// Gives every start message an orchestration sends (a sub-orchestration: a map's chunk, a workflow step's child) plain
/// tags. The sidecar hands the Azure Storage provider the gRPC request's own tag map (Google.Protobuf's MapField); the
/// provider writes queue messages with .NET type names and cannot resolve that type when it reads the message back,
/// so the child never started and the parent waited forever (found by MapHostKillTests on the standalone host).
/// </summary>
public sealed class PlainStartTags(IOrchestrationService inner) : OrchestrationServiceDecorator(inner)
{
    public override Task CompleteTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages, IList<TaskMessage> orchestratorMessages, IList<TaskMessage> timerMessages, TaskMessage continuedAsNewMessage, OrchestrationState orchestrationState)
    {
        foreach (TaskMessage message in orchestratorMessages)
        {
            if (message.Event is ExecutionStartedEvent { Tags: { } tags } started && tags is not Dictionary<string, string>)
            {
                started.Tags = new Dictionary<string, string>(tags);
            }
        }

        return base.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState);
    }
}
