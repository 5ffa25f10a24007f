// What happened to each step of a run, worked out from the run's history (GET /api/runs/{id}/history): its
// timeline records, and while it runs its custom status (current step, open gates, parallel and map progress).
// Kept apart from the drawing so the rules read in one place.
"use strict";

const RUN_FINISHED = ["completed", "failed", "terminated"];

/** Map of step id → { state, detail, record, progress, child } for every step of the graph, nested ones too. */
function stepStates(graph, history) {
  const states = new Map();
  const ctx = runContext(history);
  visitSteps(graph.steps, (step, branchStatus, inMap) => states.set(step.id, stateOf(step, ctx, branchStatus, inMap)), null, false, history.steps);
  return states;
}

/** Calls visit(step, status of the parallel branch it is in, whether it is in a map body) for every step. */
function visitSteps(steps, visit, branchStatus = null, inMap = false, records = null) {
  for (const step of steps) {
    visit(step, branchStatus, inMap);
    for (const branch of step.branches ?? []) {
      const status = lastRecord(records, step.id)?.branches?.find((b) => b.name === branch.name)?.status ?? branchStatus;
      visitSteps(branch.steps, visit, status, inMap, records);
    }
    if (step.body) visitSteps(step.body, visit, branchStatus, true, records);
  }
}

function lastRecord(records, stepId) {
  const mine = (records ?? []).filter((r) => r.stepId === stepId);
  return mine[mine.length - 1];
}

function runContext(history) {
  const current = history.current ?? {};
  const gates = current.gates ?? (history.openGate ? [history.openGate] : []);
  return {
    history,
    finished: RUN_FINISHED.includes(history.state),
    // Gate ids are "<step>-<round>", and an agent's tool gates "<agent>.<tool>-<n>": either names the step waiting.
    waiting: new Map(gates.map((g) => [g.gateId.replace(/-\d+$/, "").split(".")[0], g])),
    progress: new Map((current.progress ?? []).map((p) => [p.stepId, p])),
    children: current.children ?? [],
  };
}

function stateOf(step, ctx, branchStatus, inMap) {
  const { history } = ctx;
  const record = lastRecord(history.steps, step.id);
  const progress = ctx.progress.get(step.id) ?? record?.progress ?? null;
  const child = record?.childInstanceId ?? (step.workflow ? ctx.children.findLast((id) => id.startsWith(`${step.workflow}:`)) : null);
  const base = { record, progress, child };
  const gate = ctx.waiting.get(step.id);
  if (gate && !ctx.finished) return { ...base, state: "waiting-for-approval", detail: `waiting: ${gate.level}` };
  if (history.failure?.stepId === step.id) return { ...base, state: "failed", detail: `failed: ${history.failure.reason}` };
  // A map's body steps run once per item and have no records of their own: the map node carries the counts.
  if (inMap) return { ...base, state: "per-item", detail: "runs for each item" };
  if (!ctx.finished && (ctx.progress.has(step.id) || history.current?.currentStep === step.id)) {
    return { ...base, state: "running", detail: history.current?.state ?? "running" };
  }
  if (record) return { ...base, state: record.status, detail: recordDetail(record) };
  if (branchStatus === "cancelled") return { ...base, state: "cancelled", detail: "branch cancelled" };
  if (history.state === "terminated" && history.current?.currentStep === step.id) return { ...base, state: "cancelled", detail: "run terminated" };
  return ctx.finished ? { ...base, state: "skipped", detail: "skipped" } : { ...base, state: "not-reached", detail: "not reached" };
}

function recordDetail(record) {
  const reason = record.error ? `: ${record.error.reason}` : "";
  const took = record.durationMilliseconds != null ? `, ${fmtSeconds(record.durationMilliseconds / 1000)}` : "";
  return `${record.status}${reason}${took}`;
}

/** Whether the run went along an edge: the record says where it went, or both ends ran one after the other. */
function edgeTaken(edge, history) {
  const records = history.steps.filter((r) => r.stepId === edge.from);
  if (edge.kind === "on-failure") return records.some((r) => r.status === "failed" && r.next === edge.to);
  if (edge.kind !== "next") return records.some((r) => r.next === edge.to);
  const succeeded = records.filter((r) => r.status === "succeeded");
  if (succeeded.some((r) => r.next === edge.to)) return true;
  if (succeeded.length === 0 || succeeded.some((r) => r.next)) return false;
  return edge.to === "end" ? history.state === "completed" : history.steps.some((r) => r.stepId === edge.to);
}
