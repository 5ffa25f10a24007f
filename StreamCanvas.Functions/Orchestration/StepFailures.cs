using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using StreamCanvas.Activities;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

/// <summary>Part of the interpreter: what every kind of step does once it has failed for good.</summary>
internal static class StepFailures
{
    /// <summary>
    /// Records the failure in the state (steps.&lt;id&gt;.error) and the timeline, then follows the step's onFailure:
    /// its goto target, or ends the run (or the branch) with its "fail" reason or the error's own.
    /// </summary>
    public static string? Follow(TaskOrchestrationContext context, RunState run, WorkflowStep step, StepRecord record, JsonObject entry, StepError error)
    {
        entry["error"] = new JsonObject { ["reason"] = error.Reason, ["message"] = error.Message };
        run.SetStep(step.Id, entry);
        if (step.OnFailure?.Goto is string target)
        {
            run.Timeline.Add(record with { Next = target });
            return target == StepIds.End ? null : target;
        }

        run.Timeline.Add(record);
        string reason = step.OnFailure?.Fail ?? error.Reason;
        string message = reason == error.Reason ? error.Message : $"{error.Reason}: {error.Message}";
        run.Fail(context, step.Id, reason, message);
        return null;
    }
}
