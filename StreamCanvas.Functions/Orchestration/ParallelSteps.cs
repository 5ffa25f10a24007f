using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using StreamCanvas.Activities;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

/// <summary>
/// Part of the interpreter: a parallel step runs its branches as concurrent step sequences in this same
/// orchestration (each on its own copy of the state) and joins them in the order they finish, which replay
/// reproduces from the history. Once the join is decided, branches still running are cancelled as far as Durable
/// allows: they start no further step, their open gates are withdrawn and their timers cancelled; an activity
/// already scheduled cannot be recalled, so it finishes and its result is ignored.
/// </summary>
internal static class ParallelSteps
{
    public static async Task<string?> RunAsync(TaskOrchestrationContext context, RunState run, ParallelStep step, RunTelemetry telemetry)
    {
        DateTime startedAt = context.CurrentUtcDateTime;
        int total = step.Branches.Count;
        int needed = step.Join.Needed(total);
        var scopes = step.Branches.Select(b => run.Branch(b.Steps)).ToList();
        var running = new Dictionary<Task<BranchResult>, int>();
        for (int i = 0; i < total; i++)
        {
            running[RunBranchAsync(context, scopes[i], step.Branches[i], telemetry)] = i;
        }

        var results = new BranchResult?[total];
        int succeeded = 0;
        int failed = 0;
        run.ReportProgress(new StepProgress(step.Id, step.Kind, total, 0, running.Count, 0));
        while (running.Count > 0 && succeeded < needed && failed <= total - needed)
        {
            Task<BranchResult> finished = await Task.WhenAny(running.Keys);
            int index = running[finished];
            running.Remove(finished);
            BranchResult result = await finished;
            results[index] = result;
            if (result.Succeeded)
            {
                succeeded++;
            }
            else
            {
                failed++;
            }

            run.ReportProgress(new StepProgress(step.Id, step.Kind, total, succeeded, running.Count, failed));
            run.Publish(context, new RunStatus { Workflow = run.Definition.Name, Version = run.Definition.Version, State = RunStates.Running, CurrentStep = step.Id, StepKind = step.Kind });
        }

        var output = new JsonObject();
        var branches = new List<BranchRecord>();
        for (int i = 0; i < total; i++)
        {
            ParallelBranch branch = step.Branches[i];
            BranchResult? result = results[i];
            if (result is null)
            {
                scopes[i].Cancel();
            }
            else if (result.Succeeded)
            {
                output[branch.Name] = result.Output?.DeepClone();
            }

            run.Adopt(scopes[i], withOutputs: result is { Succeeded: true, Error: null });
            branches.Add(result is null
                ? new BranchRecord(branch.Name, StepStatuses.Cancelled, startedAt, context.CurrentUtcDateTime)
                : new BranchRecord(branch.Name, result.Succeeded ? StepStatuses.Succeeded : StepStatuses.Failed, result.StartedAt, result.CompletedAt, result.Error));
        }

        run.EndProgress(step.Id);
        var progress = new StepProgress(step.Id, step.Kind, total, succeeded, 0, failed);
        var record = new StepRecord
        {
            StepId = step.Id, Kind = step.Kind, StartedAt = startedAt, CompletedAt = context.CurrentUtcDateTime,
            Status = succeeded >= needed ? StepStatuses.Succeeded : StepStatuses.Failed, Branches = branches, Progress = progress,
        };
        var entry = new JsonObject { ["attempts"] = 1, ["output"] = output };
        if (succeeded >= needed)
        {
            run.SetStep(step.Id, entry);
            run.Timeline.Add(record);
            return run.NextAfter(step);
        }

        string reasons = string.Join("; ", step.Branches.Zip(results)
            .Where(b => b.Second is { Succeeded: false })
            .Select(b => $"{b.First.Name}: {b.Second!.Error!.Reason}: {b.Second.Error.Message}"));
        var error = new StepError(FailureReasons.JoinFailed, $"{failed} of {total} branch(es) failed and {needed} had to succeed ({reasons})", Retryable: false);
        return StepFailures.Follow(context, run, step, record with { Error = error }, entry, error);
    }

    static async Task<BranchResult> RunBranchAsync(TaskOrchestrationContext context, RunState scope, ParallelBranch branch, RunTelemetry telemetry)
    {
        DateTime startedAt = context.CurrentUtcDateTime;
        try
        {
            await StepSequence.RunAsync(context, scope, telemetry);
            return new BranchResult(true, scope.LastOutput()?.DeepClone(), null, startedAt, context.CurrentUtcDateTime);
        }
        catch (WorkflowFailedException failure)
        {
            var error = new StepError(branch.OnFailure?.Fail ?? failure.Reason, $"step '{failure.StepId}': {failure.Detail}", Retryable: false);

            // continueWith: the branch counts as done, with the fallback as its output (the error stays on its record).
            return branch.OnFailure?.ContinueWith is JsonNode fallback
                ? new BranchResult(true, fallback.DeepClone(), error, startedAt, context.CurrentUtcDateTime)
                : new BranchResult(false, null, error, startedAt, context.CurrentUtcDateTime);
        }
    }

    sealed record BranchResult(bool Succeeded, JsonNode? Output, StepError? Error, DateTime StartedAt, DateTime CompletedAt);
}
