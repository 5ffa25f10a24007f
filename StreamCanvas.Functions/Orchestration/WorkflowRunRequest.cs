using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using StreamCanvas.Definitions;

namespace StreamCanvas.Orchestration;

/// <summary>
/// The orchestration input. It carries the whole definition, so a run replays and finishes on the exact
/// version it started with, whatever is deployed later; and the interpreter revision it started under, so a
/// newer interpreter that schedules different work replays older runs the way they began.
/// </summary>
/// <param name="EngineRevision">Null for runs started before revisions were recorded (revision 1).</param>
public sealed record WorkflowRunRequest(
    WorkflowDefinition Definition, string DefinitionHash, JsonObject Input, string? CorrelationId = null, int? EngineRevision = null)
{
    /// <summary>
    /// Raise it when the interpreter starts scheduling activities, timers or events differently, and branch on
    /// <see cref="Revision"/> so runs in flight keep their history's shape.
    /// 2: a large approval snapshot is stored by an activity before its gate opens.
    /// </summary>
    public const int CurrentEngineRevision = 2;

    [JsonIgnore]
    public int Revision => EngineRevision ?? 1;

    /// <summary>For a run started by a workflow step: the run that started it.</summary>
    public string? ParentInstanceId { get; init; }

    /// <summary>A request for a new run, under the interpreter deployed now.</summary>
    public static WorkflowRunRequest New(WorkflowDefinition definition, string definitionHash, JsonObject input, string? correlationId = null) =>
        new(definition, definitionHash, input, correlationId, CurrentEngineRevision);
}
