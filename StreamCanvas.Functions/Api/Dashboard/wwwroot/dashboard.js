// StreamCanvas ops dashboard: polls the keyed API (relative to /api) and draws runs, gates and charts.
// No framework and no build step; Chart.js is vendored beside this file, and a run's graph is drawn by
// graph-layout.js (layout), run-states.js (what happened to each step) and run-graph.js (SVG), its agents'
// turns by agent-turns.js.
"use strict";

const state = { key: "", config: null, workflows: new Map(), graphs: new Map(), selected: null, histories: new Map(), charts: {} };
const $ = (id) => document.getElementById(id);
const finished = (run) => ["completed", "failed", "terminated"].includes(run.state);
const seconds = (from, to) => Math.max(0, (new Date(to) - new Date(from)) / 1000);
const fmtSeconds = (s) => s == null ? "" : s < 90 ? `${s.toFixed(1)} s` : s < 5400 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`;
const tokensOf = (run) => run.totals ? run.totals.promptTokens + run.totals.completionTokens : 0;

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text ?? "";
  if (className) td.className = className;
  return td;
}

function badge(td, value) {
  const span = document.createElement("span");
  span.className = `state state-${value}`;
  span.textContent = value;
  td.replaceChildren(span);
}

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (state.key) headers["x-functions-key"] = state.key;
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401) throw new Error("the operator key was refused");
  if (!response.ok && response.status !== 202) throw new Error(`${path}: ${response.status}`);
  return response.status === 204 ? null : response.json();
}

async function refresh() {
  if (state.busy) return; // a slow poll must not overlap the next one
  state.busy = true;
  try {
    if (state.workflows.size === 0) {
      for (const w of await api("workflows")) state.workflows.set(w.name, w);
    }
    const [list, pending] = await Promise.all([api("runs?pageSize=200"), api("approvals?status=pending")]);
    const runs = list.runs.sort((a, b) => new Date(b.createdAt) - new Date(a.createdAt));
    drawRuns(runs);
    drawPending(pending);
    drawWorkflowStats(runs);
    await drawCharts(runs);
    await drawReadiness(runs);
    if (state.selected) await drawTimeline(state.selected);
    $("connection").textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    $("connection").textContent = error.message;
  } finally {
    state.busy = false;
  }
}

function drawRuns(runs) {
  const body = $("runs").tBodies[0];
  body.replaceChildren();
  for (const run of runs) {
    const row = body.insertRow();
    row.dataset.runId = run.instanceId;
    row.dataset.state = run.state;
    if (run.instanceId === state.selected) row.classList.add("selected");
    cell(row, run.instanceId);
    cell(row, run.workflow);
    badge(cell(row), run.state);
    cell(row, run.failure ? `${run.currentStep ?? run.failure.stepId} (${run.failure.reason})` : run.currentStep);
    cell(row, tokensOf(run) || "");
    cell(row, fmtSeconds(seconds(run.createdAt, finished(run) ? run.lastUpdatedAt : new Date())));
    cell(row, new Date(run.createdAt).toLocaleTimeString());
    row.addEventListener("click", () => openRun(run.instanceId));
  }
}

function drawPending(pending) {
  const body = $("pending").tBodies[0];
  body.replaceChildren();
  $("pending-empty").hidden = pending.length > 0;
  for (const gate of pending) {
    const row = body.insertRow();
    row.dataset.runId = gate.instanceId;
    row.dataset.gateId = gate.gateId;
    cell(row, gate.instanceId);
    cell(row, `${gate.stepId} (${gate.gateId})`);
    cell(row, `${gate.level}: ${gate.approvers.join(", ") || gate.group || "any approver"}`);
    cell(row, fmtSeconds(seconds(gate.openedAt, new Date())));
    cell(row, new Date(gate.deadline).toLocaleString(), new Date(gate.deadline) < new Date() ? "overdue" : "");
    const actions = cell(row);
    if (gate.decisionToken) {
      for (const decision of ["approve", "reject"]) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = decision;
        button.textContent = decision === "approve" ? "Approve" : "Reject";
        button.addEventListener("click", (e) => { e.stopPropagation(); decide(gate, decision, button); });
        actions.append(button);
      }
    } else {
      actions.textContent = "decide from the notification link";
      actions.className = "muted";
    }
  }
}

/** Posts through the signed decision webhook, exactly as an approver's link would. */
async function decide(gate, decision, button) {
  button.disabled = true;
  const body = {
    decision,
    approver: gate.approvers[0] ?? "dashboard",
    snapshotHash: gate.snapshotHash,
    comment: `${decision} from the dashboard`,
    criteria: Object.fromEntries((gate.criteria ?? []).map((c) => [c, decision === "approve"])),
  };
  const url = `approvals/${encodeURIComponent(gate.instanceId)}/${encodeURIComponent(gate.gateId)}?token=${encodeURIComponent(gate.decisionToken)}`;
  try {
    await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  } finally {
    setTimeout(refresh, 100);
  }
}

/** Opens a run below the table: its workflow's graph coloured by what happened, and its agents' turns. */
function openRun(instanceId) {
  state.selected = instanceId;
  return drawTimeline(instanceId);
}

async function drawTimeline(instanceId) {
  const history = await api(`runs/${encodeURIComponent(instanceId)}/history`);
  const graph = await graphOf(history);
  // Another run may have been opened while these were loading: draw only the one still selected.
  if (instanceId !== state.selected) return;
  $("timeline-section").hidden = false;
  $("timeline-run").textContent = instanceId;
  $("timeline-section").dataset.runId = instanceId;
  $("timeline-summary").textContent = runSummary(history);
  // The poll redraws every 1.5 s: skip identical redraws so a node being clicked is not replaced under the pointer.
  const drawn = JSON.stringify([instanceId, graph.contentHash, history.steps, history.current, history.state]);
  if (drawn !== state.drawnTimeline) {
    state.drawnTimeline = drawn;
    drawRunGraph($("timeline"), graph, history, openRun);
    drawAgentTurns($("agent-turns"), history);
  }
  for (const row of $("runs").tBodies[0].rows) row.classList.toggle("selected", row.dataset.runId === instanceId);
}

function runSummary(history) {
  if (history.failure) return `Failed at ${history.failure.stepId}: ${history.failure.reason} (${history.failure.message})`;
  if (history.openGate) return `Waiting for ${history.openGate.level} approval on ${history.openGate.gateId}`;
  return history.state;
}

/**
 * The workflow's graph from the API, fetched once per workflow. A run of a workflow no longer deployed has no
 * graph to fetch: its steps are drawn in the order they ran instead.
 */
async function graphOf(history) {
  if (!state.graphs.has(history.workflow)) {
    const graph = await api(`workflows/${encodeURIComponent(history.workflow)}/graph`).catch(() => null);
    if (!graph) return graphFromTimeline(history);
    state.graphs.set(history.workflow, graph);
  }
  return state.graphs.get(history.workflow);
}

function graphFromTimeline(history) {
  const ids = [...new Set(history.steps.map((r) => r.stepId))];
  const kinds = new Map(history.steps.map((r) => [r.stepId, r.kind]));
  return {
    name: history.workflow,
    contentHash: "timeline",
    steps: ids.map((id, i) => ({ id, kind: kinds.get(id), edges: [{ to: ids[i + 1] ?? "end", kind: "next" }], tools: [] })),
  };
}

function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function drawWorkflowStats(runs) {
  const body = $("workflows").tBodies[0];
  body.replaceChildren();
  const names = [...new Set([...state.workflows.keys(), ...runs.map((r) => r.workflow)])].sort();
  for (const name of names) {
    const mine = runs.filter((r) => r.workflow === name);
    const done = mine.filter(finished);
    const failed = done.filter((r) => r.state !== "completed").length;
    const durations = done.map((r) => seconds(r.createdAt, r.lastUpdatedAt));
    const row = body.insertRow();
    row.dataset.workflow = name;
    cell(row, name);
    cell(row, mine.length);
    cell(row, done.length ? `${Math.round((100 * failed) / done.length)} %` : "");
    cell(row, mine.reduce((sum, r) => sum + tokensOf(r), 0));
    cell(row, fmtSeconds(percentile(durations, 0.5)));
    cell(row, fmtSeconds(percentile(durations, 0.95)));
  }
}

// Readiness (six traits) and the live record per workflow; the audit probes connections, so these refresh
// every 30 s, when the window changes, or when another run has finished, not on every poll.
const pct = (share) => share == null ? "–" : `${Math.round(share * 100)} %`;
const money = (value) => value == null ? "–" : value.toFixed(value < 1 ? 4 : 2);

async function drawReadiness(runs) {
  const window = $("record-window").value;
  const finishedRuns = runs.filter(finished).length;
  const due = Date.now() - (state.cardsAt ?? 0) > 30_000 || state.cardsWindow !== window || state.cardsFinished !== finishedRuns;
  if (!due) return;
  const [readiness, records] = await Promise.all([api("workflows/readiness"), api(`workflows/record?window=${window}`)]);
  Object.assign(state, { cardsAt: Date.now(), cardsWindow: window, cardsFinished: finishedRuns });
  const recordOf = new Map(records.workflows.map((r) => [r.workflow, r]));
  const cards = readiness.workflows.map((audit) => card(audit, recordOf.get(audit.workflow)));
  $("readiness").replaceChildren(...cards);
  drawDoneChart(records.workflows);
}

// One line per workflow version: a new prompt or model deployment shows as a step between two lines.
function drawDoneChart(records) {
  const days = [...new Set(records.flatMap((r) => r.daily.map((d) => d.day)))].sort();
  const palette = ["#2563eb", "#059669", "#d97706", "#dc2626", "#7c3aed", "#0891b2"];
  const datasets = records.flatMap((r) => [...new Set(r.daily.map((d) => d.version))].map((version) => ({ workflow: r.workflow, version, daily: r.daily })))
    .map((line, i) => ({
      label: `${line.workflow} ${line.version}`,
      data: days.map((day) => {
        const point = line.daily.find((d) => d.day === day && d.version === line.version);
        return point && point.doneRate != null ? Math.round(point.doneRate * 100) : null;
      }),
      borderColor: palette[i % palette.length],
      spanGaps: true,
      fill: false,
    }));
  chart("done-chart", "line", days, datasets);
}

function card(audit, record) {
  const article = document.createElement("article");
  article.className = "card";
  article.dataset.workflow = audit.workflow;
  article.dataset.outcome = audit.outcome;
  const title = document.createElement("h3");
  title.append(`${audit.workflow} ${audit.version}`);
  const outcome = document.createElement("span");
  badge(outcome, audit.outcome);
  title.append(outcome);
  const traits = document.createElement("ul");
  traits.className = "traits";
  for (const trait of audit.traits) {
    const li = document.createElement("li");
    li.dataset.trait = trait.trait;
    li.className = `state state-${trait.outcome}`;
    li.textContent = trait.trait;
    li.title = trait.findings.map((f) => `${f.outcome}: ${f.reason}${f.pointer ? ` (${f.pointer})` : ""}`).join("\n");
    traits.append(li);
  }
  article.append(title, traits);
  if (!record) return article;

  const o = record.overall;
  const facts = document.createElement("dl");
  facts.className = "record";
  const fact = (name, key, value) => {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.dataset.fact = key;
    dd.textContent = value;
    facts.append(dt, dd);
  };
  fact("Runs", "runs", o.runs);
  fact("Definition of done met", "done-rate", pct(o.doneRate));
  fact("Failed", "failure-rate", pct(o.failureRate));
  fact("Approval p50 / p95", "approval", o.approvalP50Seconds == null ? "–" : `${fmtSeconds(o.approvalP50Seconds)} / ${fmtSeconds(o.approvalP95Seconds)}`);
  fact("Escalated gates", "escalation-rate", pct(o.escalationRate));
  fact("Tokens per run", "tokens-per-run", o.tokensPerRun == null ? "–" : Math.round(o.tokensPerRun));
  fact("Cost per run", "cost-per-run", money(o.costPerRun));
  if (record.failures.length) fact("Top failure", "top-failure", `${record.failures[0].step}: ${record.failures[0].reason} (${record.failures[0].count})`);
  article.append(facts);

  // The current version against the one before it, so a changed prompt or model shows as a step.
  if (record.versions.length) {
    const table = document.createElement("table");
    table.className = "versions";
    table.createTHead().insertRow().append(...["Version", "Runs", "Done", "Failed", "Cost/run"].map((h) => Object.assign(document.createElement("th"), { textContent: h })));
    const body = table.createTBody();
    for (const v of record.versions.slice(0, 2)) {
      const row = body.insertRow();
      row.dataset.version = v.version;
      cell(row, v.version);
      cell(row, v.figures.runs);
      cell(row, pct(v.figures.doneRate));
      cell(row, pct(v.figures.failureRate));
      cell(row, money(v.figures.costPerRun));
    }
    article.append(table);
  }
  return article;
}

function chart(id, type, labels, datasets) {
  if (typeof Chart === "undefined") return;
  const existing = state.charts[id];
  if (existing) {
    existing.data.labels = labels;
    existing.data.datasets = datasets;
    existing.update("none");
    return;
  }
  state.charts[id] = new Chart($(id), { type, data: { labels, datasets }, options: { animation: false, responsive: true, plugins: { legend: { display: datasets.length > 1 } } } });
}

async function drawCharts(runs) {
  const durations = runs.filter(finished).map((r) => seconds(r.createdAt, r.lastUpdatedAt));
  const bounds = [1, 5, 15, 60, 300, 1800, 3600, Infinity];
  const labels = bounds.map((b, i) => (b === Infinity ? `> ${bounds[i - 1]}` : `≤ ${b}`));
  const counts = bounds.map((b, i) => durations.filter((d) => d <= b && (i === 0 || d > bounds[i - 1])).length);
  chart("latency-chart", "bar", labels, [{ label: "runs", data: counts, backgroundColor: "#60a5fa" }]);

  const byMinute = new Map();
  for (const run of [...runs].reverse()) {
    const minute = new Date(run.createdAt).toISOString().slice(0, 16).replace("T", " ");
    byMinute.set(minute, (byMinute.get(minute) ?? 0) + tokensOf(run));
  }
  chart("tokens-chart", "line", [...byMinute.keys()], [{ label: "tokens", data: [...byMinute.values()], borderColor: "#8b5cf6", fill: false }]);

  // Decided gates come from the timelines of finished runs, which never change, so each is fetched once.
  for (const run of runs.filter(finished).slice(0, 25)) {
    if (!state.histories.has(run.instanceId)) {
      state.histories.set(run.instanceId, (await api(`runs/${encodeURIComponent(run.instanceId)}/history`)).steps);
    }
  }
  const byLevel = new Map();
  for (const steps of state.histories.values()) {
    for (const approval of steps.map((s) => s.approval).filter(Boolean)) {
      const list = byLevel.get(approval.level) ?? [];
      list.push(approval.latencySeconds);
      byLevel.set(approval.level, list);
    }
  }
  const levels = [...byLevel.keys()];
  chart("approval-chart", "bar", levels, [
    { label: "median", data: levels.map((l) => percentile(byLevel.get(l), 0.5)), backgroundColor: "#fbbf24" },
    { label: "p95", data: levels.map((l) => percentile(byLevel.get(l), 0.95)), backgroundColor: "#f97316" },
  ]);
}

async function start() {
  state.config = await (await fetch("dashboard/config.json")).json();
  state.key = localStorage.getItem("streamcanvas.key") || state.config.operatorKey || "";
  $("key").value = state.key;
  $("key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    state.key = $("key").value.trim();
    localStorage.setItem("streamcanvas.key", state.key);
    state.workflows.clear();
    state.graphs.clear();
    refresh();
  });
  $("record-window").addEventListener("change", () => refresh());
  await refresh();
  setInterval(refresh, 1500);
}

start();
