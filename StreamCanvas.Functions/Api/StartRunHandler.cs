using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using StreamCanvas.Starts;

namespace StreamCanvas.Api;

/// <summary>POST /api/workflows/{name}/runs: reads the HTTP request and hands the start to <see cref="RunStarter"/>.</summary>
public sealed class StartRunHandler(RunStarter starter)
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public async Task<IResult> HandleAsync(HttpRequest request, string workflowName, DurableTaskClient client, CancellationToken cancellationToken)
    {
        (JsonNode? body, IResult? bodyProblem) = await JsonBody.ReadAsync(request, cancellationToken);
        if (bodyProblem is not null)
        {
            return bodyProblem;
        }

        var command = new StartCommand(workflowName, body, "http",
            IdempotencyKey: request.Headers[IdempotencyKeyHeader],
            ClientInstanceId: request.Query["instanceId"],
            CorrelationId: request.Headers.TraceParent);
        StartOutcome outcome = await starter.StartAsync(command, client, cancellationToken);
        if (outcome.Replayed)
        {
            request.HttpContext.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return Answer(outcome, request);
    }

    /// <summary>
    /// What a start answers, whichever door it came in by (this route, the MCP tools): 202 with the run's links,
    /// or the rejection as problem+json naming the fields at fault.
    /// </summary>
    public static IResult Answer(StartOutcome outcome, HttpRequest request)
    {
        if (outcome.Rejection is { } rejection)
        {
            return Problems.Of(rejection.Status, TitleOf(rejection.Status), rejection.Detail, rejection.Errors,
                rejection.InstanceId is null ? null : new Dictionary<string, object?> { ["instanceId"] = rejection.InstanceId });
        }

        RunLinks links = RunLinks.For(request, outcome.InstanceId!);
        return Results.Accepted(links.Status, new StartRunResponse(outcome.InstanceId!, outcome.Workflow!, links));
    }

    static string TitleOf(int status) => status switch
    {
        StatusCodes.Status404NotFound => "Not found",
        StatusCodes.Status409Conflict => "Conflict",
        _ => "Invalid request",
    };
}

public sealed record StartRunResponse(string InstanceId, string Workflow, RunLinks Links);
