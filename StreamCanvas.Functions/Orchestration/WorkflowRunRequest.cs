using System.Text.Json.Nodes;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

/// <summary>
/// The orchestration input. It carries the whole definition, so a run replays and finishes on the exact
/// version it started with, whatever is deployed later.
/// </summary>
public sealed record WorkflowRunRequest(WorkflowDefinition Definition, string DefinitionHash, JsonObject Input, string? CorrelationId = null);
