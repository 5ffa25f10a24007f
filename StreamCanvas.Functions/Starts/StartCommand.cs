using System.Text.Json.Nodes;
using StreamCanvas.Definitions;

namespace StreamCanvas.Starts;

/// <summary>A request to start a run, from whichever door it came in.</summary>
/// <param name="Source">"http" or "queue", for the log.</param>
/// <param name="IdempotencyKeyField">How the caller names the key (a header, a message property), so errors point at it.</param>
/// <param name="InputField">JSON Pointer prefix of the input in what the caller sent ("" for an HTTP body, "/input" in a message).</param>
public sealed record StartCommand(
    string Workflow,
    JsonNode? Input,
    string Source,
    string? IdempotencyKey = null,
    string? ClientInstanceId = null,
    string? CorrelationId = null,
    string IdempotencyKeyField = "Idempotency-Key",
    string InputField = "");

/// <summary>Either the run that was started (or found again), or why none could be.</summary>
public sealed record StartOutcome
{
    public string? InstanceId { get; init; }
    public string? Workflow { get; init; }

    /// <summary>True when an earlier identical start had already created the run.</summary>
    public bool Replayed { get; init; }

    public StartRejection? Rejection { get; init; }

    public static StartOutcome Started(string instanceId, string workflow, bool replayed) =>
        new() { InstanceId = instanceId, Workflow = workflow, Replayed = replayed };

    public static StartOutcome Reject(int status, string detail, params FieldError[] errors) =>
        new() { Rejection = new StartRejection(status, detail, errors, null) };

    public static StartOutcome Reject(int status, string detail, FieldError[] errors, string? instanceId) =>
        new() { Rejection = new StartRejection(status, detail, errors, instanceId), InstanceId = instanceId };
}

/// <summary>Why a start was refused: an HTTP status (also used to classify queue messages), a detail and the fields at fault.</summary>
public sealed record StartRejection(int Status, string Detail, IReadOnlyList<FieldError> Errors, string? InstanceId);
