using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;
using StreamCanvas.Storage;

namespace StreamCanvas.Starts;

/// <summary>
/// Starts a run, whoever asks (HTTP or the start queue): checks the workflow, the run id and the input against
/// the workflow's schema, then schedules the run once per id.
/// </summary>
public sealed partial class RunStarter(WorkflowCatalog catalog, IStartClaims claims, ILogger<RunStarter> logger)
{
    public const int MaxIdempotencyKeyLength = 256;

    /// <summary>How long a start waits for another start of the same id to produce its run before taking over.</summary>
    public static TimeSpan ClaimWait { get; } = TimeSpan.FromSeconds(15);

    public async Task<StartOutcome> StartAsync(StartCommand command, DurableTaskClient client, CancellationToken cancellationToken)
    {
        LoadedWorkflow? workflow = catalog.Find(command.Workflow);
        if (workflow is null)
        {
            return StartOutcome.Reject(StatusCodes.Status404NotFound, $"no workflow named '{command.Workflow}'", new FieldError("workflow", "unknown workflow"));
        }

        (string? instanceId, StartOutcome? idProblem) = ChooseInstanceId(command, workflow.Name);
        if (idProblem is not null)
        {
            return idProblem;
        }

        if (command.Input is not JsonObject input)
        {
            return StartOutcome.Reject(StatusCodes.Status400BadRequest, "the run input must be a JSON object", new FieldError(command.InputField, "expected an object"));
        }

        if (InputLimits.Check(input, command.InputField) is { } shape)
        {
            return StartOutcome.Reject(StatusCodes.Status400BadRequest, $"the run input is nested more than {InputLimits.MaxDepth} levels deep", shape);
        }

        var errors = DefinitionLoader.SchemaErrors(workflow.InputSchema, input);
        if (errors.Count > 0)
        {
            return StartOutcome.Reject(StatusCodes.Status400BadRequest, $"the input does not match the input schema of '{workflow.Name}'",
                errors.Select(e => new FieldError(command.InputField + (e.Pointer.Length == 0 ? "/" : e.Pointer), e.Message)).ToArray());
        }

        if (instanceId is not null && await ExistingRunAsync(client, instanceId, input, command, cancellationToken) is { } existing)
        {
            return existing;
        }

        if (instanceId is not null && !await claims.TryClaimAsync(instanceId, ClaimWait, cancellationToken))
        {
            // Another start of this id is under way: its run is the answer once it appears.
            return await WaitForClaimantAsync(client, instanceId, input, command, cancellationToken)
                ?? StartOutcome.Reject(StatusCodes.Status409Conflict, $"a start of run '{instanceId}' is still in progress; retry shortly",
                    [new FieldError(command.IdempotencyKeyField, "a start with this key is in progress")], instanceId);
        }

        var runRequest = WorkflowRunRequest.New(workflow.Definition, workflow.ContentHash, input, command.CorrelationId);
        var options = new StartOrchestrationOptions(instanceId ?? RunIds.New(workflow.Name))
            .WithDedupeStatuses(Enum.GetValues<OrchestrationRuntimeStatus>());
        try
        {
            instanceId = await client.ScheduleNewOrchestrationInstanceAsync(nameof(WorkflowOrchestrator), runRequest, options, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && instanceId is not null)
        {
            // Two identical starts raced (two requests, or one queue message delivered twice): the loser finds the winner's run.
            if (await ExistingRunAsync(client, instanceId, input, command, cancellationToken) is { } raced)
            {
                return raced;
            }

            throw;
        }

        // The run exists now, and a later start of the id finds it before claiming: the claim row has done its job.
        await claims.ForgetAsync(instanceId, cancellationToken);
        LogStarted(workflow.Name, workflow.Definition.Version, instanceId, command.Source);
        return StartOutcome.Started(instanceId, workflow.Name, replayed: false);
    }

    /// <summary>Deletes what the start of a run left beside the task hub (its claim row), as the run is purged.</summary>
    public Task ForgetStartAsync(string instanceId, CancellationToken cancellationToken) => claims.ForgetAsync(instanceId, cancellationToken);

    /// <summary>Schedules a new run with exactly the request an earlier run started with (its definition and input).</summary>
    public async Task<string> RestartAsync(WorkflowRunRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        // A new instance: it runs under the interpreter deployed now, on the definition version the original ran.
        request = request with { EngineRevision = WorkflowRunRequest.CurrentEngineRevision, ExecutionId = WorkflowRunRequest.NewExecutionId() };
        string instanceId = await client.ScheduleNewOrchestrationInstanceAsync(nameof(WorkflowOrchestrator), request,
            new StartOrchestrationOptions(RunIds.New(request.Definition.Name)), cancellationToken);
        LogStarted(request.Definition.Name, request.Definition.Version, instanceId, "restart");
        return instanceId;
    }

    static async Task<StartOutcome?> WaitForClaimantAsync(DurableTaskClient client, string instanceId, JsonObject input, StartCommand command, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + ClaimWait;
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(250, cancellationToken);
            if (await ExistingRunAsync(client, instanceId, input, command, cancellationToken) is { } appeared)
            {
                return appeared;
            }
        }

        return null;
    }

    static async Task<StartOutcome?> ExistingRunAsync(DurableTaskClient client, string instanceId, JsonObject input, StartCommand command, CancellationToken cancellationToken)
    {
        OrchestrationMetadata? existing = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (existing is null)
        {
            return null;
        }

        JsonObject? earlierInput = existing.ReadInputAs<WorkflowRunRequest>()?.Input;
        if (!JsonNode.DeepEquals(earlierInput, input))
        {
            return StartOutcome.Reject(StatusCodes.Status409Conflict, $"run '{instanceId}' already exists with a different input; use a new {command.IdempotencyKeyField}",
                [new FieldError(command.IdempotencyKeyField, "already used with a different input")], instanceId);
        }

        return StartOutcome.Started(instanceId, RunIds.WorkflowOf(instanceId), replayed: true);
    }

    static (string? InstanceId, StartOutcome? Problem) ChooseInstanceId(StartCommand command, string workflow)
    {
        if (!string.IsNullOrEmpty(command.IdempotencyKey))
        {
            return command.IdempotencyKey.Length <= MaxIdempotencyKeyLength
                ? (RunIds.FromIdempotencyKey(workflow, command.IdempotencyKey), null)
                : (null, StartOutcome.Reject(StatusCodes.Status400BadRequest, $"the {command.IdempotencyKeyField} is too long",
                    new FieldError(command.IdempotencyKeyField, $"at most {MaxIdempotencyKeyLength} characters")));
        }

        if (!string.IsNullOrEmpty(command.ClientInstanceId))
        {
            return RunIds.TryFromClientId(workflow, command.ClientInstanceId, out string id)
                ? (id, null)
                : (null, StartOutcome.Reject(StatusCodes.Status400BadRequest, "the instanceId is not valid",
                    new FieldError("instanceId", "1-64 characters of A-Z, a-z, 0-9, '_', '.', '-'")));
        }

        return (null, null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started {Workflow} v{Version} as run {InstanceId} (from {Source})")]
    partial void LogStarted(string workflow, string version, string instanceId, string source);
}
