using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using StreamCanvas.Definitions;
using StreamCanvas.Orchestration;

namespace StreamCanvas.Api;

/// <summary>POST /api/workflows/{name}/runs: validates the input and starts a run, once per idempotency key.</summary>
public sealed partial class StartRunHandler(WorkflowCatalog catalog, ILogger<StartRunHandler> logger)
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public async Task<IResult> HandleAsync(HttpRequest request, string workflowName, DurableTaskClient client, CancellationToken cancellationToken)
    {
        LoadedWorkflow? workflow = catalog.Find(workflowName);
        if (workflow is null)
        {
            return Problems.NotFound($"no workflow named '{workflowName}'");
        }

        (string? instanceId, IResult? idProblem) = ChooseInstanceId(request, workflow.Name);
        if (idProblem is not null)
        {
            return idProblem;
        }

        (JsonNode? body, IResult? bodyProblem) = await JsonBody.ReadAsync(request, cancellationToken);
        if (bodyProblem is not null)
        {
            return bodyProblem;
        }

        if (body is not JsonObject input)
        {
            return Problems.BadRequest("the run input must be a JSON object", new FieldError("", "expected an object"));
        }

        var errors = DefinitionLoader.SchemaErrors(workflow.InputSchema, input);
        if (errors.Count > 0)
        {
            return Problems.BadRequest($"the input does not match the input schema of '{workflow.Name}'",
                errors.Select(e => new FieldError(e.Pointer.Length == 0 ? "/" : e.Pointer, e.Message)).ToArray());
        }

        return await StartAsync(request, client, workflow, input, instanceId, request.Headers.TraceParent, cancellationToken);
    }

    /// <summary>Starts the run, or finds the one an earlier identical request started.</summary>
    async Task<IResult> StartAsync(HttpRequest request, DurableTaskClient client, LoadedWorkflow workflow, JsonObject input, string? instanceId, string? correlationId, CancellationToken cancellationToken)
    {
        if (instanceId is not null && await ExistingRunAsync(request, client, instanceId, input, cancellationToken) is { } existing)
        {
            return existing;
        }

        var runRequest = new WorkflowRunRequest(workflow.Definition, workflow.ContentHash, input, correlationId);
        var options = new StartOrchestrationOptions(instanceId ?? RunIds.New(workflow.Name))
            .WithDedupeStatuses(Enum.GetValues<OrchestrationRuntimeStatus>());
        try
        {
            instanceId = await client.ScheduleNewOrchestrationInstanceAsync(nameof(WorkflowOrchestrator), runRequest, options, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && instanceId is not null)
        {
            // Two identical requests raced: the loser finds the winner's run.
            if (await ExistingRunAsync(request, client, instanceId, input, cancellationToken) is { } raced)
            {
                return raced;
            }

            throw;
        }

        LogStarted(workflow.Name, workflow.Definition.Version, instanceId);
        return Accepted(request, instanceId, workflow.Name, replayed: false);
    }

    static async Task<IResult?> ExistingRunAsync(HttpRequest request, DurableTaskClient client, string instanceId, JsonObject input, CancellationToken cancellationToken)
    {
        OrchestrationMetadata? existing = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (existing is null)
        {
            return null;
        }

        JsonObject? earlierInput = existing.ReadInputAs<WorkflowRunRequest>()?.Input;
        if (!JsonNode.DeepEquals(earlierInput, input))
        {
            return Problems.Conflict($"run '{instanceId}' already exists with a different input; use a new Idempotency-Key",
                new Dictionary<string, object?> { ["instanceId"] = instanceId });
        }

        return Accepted(request, instanceId, RunIds.WorkflowOf(instanceId), replayed: true);
    }

    static (string? InstanceId, IResult? Problem) ChooseInstanceId(HttpRequest request, string workflow)
    {
        string? key = request.Headers[IdempotencyKeyHeader];
        string? clientId = request.Query["instanceId"];
        if (!string.IsNullOrEmpty(key))
        {
            return key.Length <= 256
                ? (RunIds.FromIdempotencyKey(workflow, key), null)
                : (null, Problems.BadRequest("the Idempotency-Key is too long", new FieldError(IdempotencyKeyHeader, "at most 256 characters")));
        }

        if (!string.IsNullOrEmpty(clientId))
        {
            return RunIds.TryFromClientId(workflow, clientId, out string id)
                ? (id, null)
                : (null, Problems.BadRequest("the instanceId is not valid", new FieldError("instanceId", "1-64 characters of A-Z, a-z, 0-9, '_', '.', '-'")));
        }

        return (null, null);
    }

    static IResult Accepted(HttpRequest request, string instanceId, string workflow, bool replayed)
    {
        RunLinks links = RunLinks.For(request, instanceId);
        if (replayed)
        {
            request.HttpContext.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return Results.Accepted(links.Status, new StartRunResponse(instanceId, workflow, links));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started {Workflow} v{Version} as run {InstanceId}")]
    partial void LogStarted(string workflow, string version, string instanceId);
}

public sealed record StartRunResponse(string InstanceId, string Workflow, RunLinks Links);
