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
/// <param name="ExecutionId">
/// New for every start, so approval links signed for one execution of an instance id are never honoured by a
/// later one (purged and started again with the same id). Null for runs started before it was recorded.
/// </param>
public sealed record WorkflowRunRequest(
    WorkflowDefinition Definition, string DefinitionHash, JsonObject Input, string? CorrelationId = null, int? EngineRevision = null, string? ExecutionId = null)
{
    /// <summary>
    /// Raise it when the interpreter starts scheduling activities, timers or events differently, and branch on
    /// <see cref="Revision"/> so runs in flight keep their history's shape.
    /// 2: a large approval snapshot is stored by an activity before its gate opens.
    /// 3: when a gate level's time runs out, an activity closes the level in the decision table first (a decision
    ///    that claimed the level in time is applied), and a decision event for another level is ignored.
    ///    Also: a failed run, and an approval reaching its last level or timing out, alert the owner (owner.alerts) through an activity.
    /// 4: an llm step's daily budget share can alert the owner (80 % and 100 %), and every run ends by writing its
    ///    row for the live record through an activity (which answers the definition-of-done pass rate to alert on).
    /// </summary>
    public const int CurrentEngineRevision = 4;

    [JsonIgnore]
    public int Revision => EngineRevision ?? 1;

    /// <summary>For a run started by a workflow step: the run that started it.</summary>
    public string? ParentInstanceId { get; init; }

    /// <summary>A request for a new run, under the interpreter deployed now.</summary>
    public static WorkflowRunRequest New(WorkflowDefinition definition, string definitionHash, JsonObject input, string? correlationId = null) =>
        new(definition, definitionHash, input, correlationId, CurrentEngineRevision, NewExecutionId());

    public static string NewExecutionId() => Guid.NewGuid().ToString("N");
}
