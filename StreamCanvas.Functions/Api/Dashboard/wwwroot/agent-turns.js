// An agent step's model turns and tool calls, from the step's timeline record (`turns`, see docs/agents.md):
// one table per agent step execution, a row per turn and a row per tool call under it.
"use strict";

const AGENT_COLUMNS = ["Turn", "Tool", "Arguments", "Status", "Result", "Duration", "Tokens", "Approval"];

/**
 * Fills the container with a table per agent step of the run: those finished (their timeline record) and those in
 * flight (their turns so far, from the run's status); hides it when the run has none.
 */
function drawAgentTurns(container, history) {
  const finished = history.steps.filter((r) => r.kind === "agent");
  const inFlight = (history.current?.agents ?? []).map((a) => ({ stepId: a.stepId, status: "running", turns: a.turns, earlierTurns: a.earlierTurns }));
  const agents = [...finished, ...inFlight];
  container.hidden = agents.length === 0;
  container.replaceChildren(...agents.map((agent) => agentTable(agent, history)));
}

function agentTable(agent, history) {
  const figure = document.createElement("figure");
  figure.className = "agent";
  Object.assign(figure.dataset, { step: agent.stepId, state: agent.status });
  const caption = document.createElement("figcaption");
  const failure = agent.error ? ` (${agent.error.reason}: ${agent.error.message})` : "";
  const earlier = agent.earlierTurns ? `, ${plural(agent.earlierTurns, "earlier turn")} not shown` : "";
  caption.textContent = `Agent ${agent.stepId}: ${plural(agent.turns?.length ?? 0, "turn")}, ${agent.status}${failure}${earlier}`;
  const table = document.createElement("table");
  table.className = "agent-calls";
  table.createTHead().insertRow().append(...AGENT_COLUMNS.map((h) => Object.assign(document.createElement("th"), { textContent: h })));
  const body = table.createTBody();
  const turns = agent.turns ?? [];
  turns.forEach((turn, i) => {
    // The newest turn of an agent in flight may still be calling tools (or waiting at a tool's gate).
    turnRow(body.insertRow(), turn, agent.status === "running" && i === turns.length - 1);
    for (const call of turn.toolCalls) callRow(body.insertRow(), turn, call, history);
  });
  figure.append(caption, table);
  return figure;
}

const tokenText = (tokens) => tokens ? `${tokens.prompt} + ${tokens.completion}` : "";
// Turns and calls are often shorter than the 0.1 s fmtSeconds shows.
const msText = (ms) => ms == null ? "" : ms < 1000 ? `${Math.round(ms)} ms` : fmtSeconds(ms / 1000);
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

function turnRow(row, turn, current) {
  row.className = `turn${turn.error ? " failed" : ""}`;
  row.dataset.turn = turn.turn;
  cell(row, `turn ${turn.turn}`);
  // A turn is a model call: the tool column names the model, and a failed turn says why in place of arguments.
  cell(row, turn.model ?? "model");
  cell(row, turn.error ? `turn ${turn.turn} failed: ${turn.error}` : turn.toolCalls.length ? `called ${plural(turn.toolCalls.length, "tool")}` : current ? "calling tools" : "answered");
  cell(row, turn.error ? "failed" : current ? "running" : "succeeded");
  cell(row, "");
  cell(row, msText(turn.activityMilliseconds));
  cell(row, tokenText(turn.tokens));
  cell(row, "");
}

function callRow(row, turn, call, history) {
  row.className = `tool-call state-${call.status}`;
  Object.assign(row.dataset, { turn: turn.turn, tool: call.tool, status: call.status });
  cell(row, "");
  cell(row, call.tool);
  cell(row, call.arguments, "arguments");
  // A failure names the turn and the tool, as the step's own error does.
  cell(row, call.error ? `${call.status}: turn ${turn.turn}, tool ${call.tool}: ${call.error}` : call.status);
  cell(row, `${call.httpStatus ?? ""}${call.httpStatus ? ", " : ""}${call.resultChars} chars`);
  cell(row, msText(call.activityMilliseconds));
  cell(row, "");
  cell(row, approvalText(call, history), "approval");
}

/** For a gated call: who decided at its gate, from the gate's own approval record in the timeline. */
function approvalText(call, history) {
  if (!call.gateId) return "";
  const approval = history.steps.map((r) => r.approval).find((a) => a?.gateId === call.gateId);
  return approval ? `${approval.decision} by ${approval.decidedBy} (${approval.level})` : `gate ${call.gateId}`;
}
