using DurableTask.Core;
using DurableTask.Core.History;

namespace StreamCanvas.Standalone;

/// <summary>
/// Gives a sub-orchestration's start message plain tags. The sidecar builds the child's ExecutionStarted event with
/// the gRPC request's protobuf MapField as its Tags, and the Azure Storage provider writes queue messages with
/// Json.NET type names, so the child's start message names a Google.Protobuf type the provider cannot load when it
/// reads the message back: the child never starts and the parent's workflow step waits forever. A Dictionary
/// with the same entries serializes as the provider expects.
/// </summary>
public sealed class PlainStartTags(IOrchestrationService inner) : OrchestrationServiceDecorator(inner)
{
    public override Task CompleteTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages, IList<TaskMessage> orchestratorMessages, IList<TaskMessage> timerMessages,
        TaskMessage continuedAsNewMessage, OrchestrationState orchestrationState)
    {
        foreach (TaskMessage message in orchestratorMessages ?? [])
        {
            if (message.Event is ExecutionStartedEvent { Tags: { } tags } started && tags is not Dictionary<string, string>)
            {
                started.Tags = new Dictionary<string, string>(tags);
            }
        }

        return Inner.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState);
    }
}
