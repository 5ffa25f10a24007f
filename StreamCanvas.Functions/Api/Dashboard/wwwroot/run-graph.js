// Draws a laid-out workflow (graph-layout.js) as SVG, each node coloured by its state in the selected run
// (run-states.js). Nodes are <g class="node" data-step data-state> so tests and CSS find them by step id.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";

function svgEl(tag, attrs, parent) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) if (value != null) el.setAttribute(name, value);
  if (parent) parent.append(el);
  return el;
}

// SVG text does not wrap: long ids and paths are cut to the node's width, whole in the tooltip.
function clip(text, max = 30) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Replaces the container's content with the run's graph; openRun(id) is called when a child run is chosen. */
function drawRunGraph(container, graph, history, openRun) {
  const layout = layoutWorkflow(graph);
  const states = stepStates(graph, history);
  const svg = svgEl("svg", { class: "workflow-graph", width: layout.width, height: layout.height, viewBox: `0 0 ${layout.width} ${layout.height}`, role: "img", "aria-label": `graph of ${graph.name}` });
  arrowMarker(svg);
  // Frames first, then edges, then nodes: an edge is never hidden under a frame and never over a node.
  for (const node of layout.nodes.filter((n) => n.kind === "frame")) drawFrame(svg, node, states.get(node.step.id));
  for (const edge of layout.edges) drawEdge(svg, edge, history);
  for (const node of layout.nodes.filter((n) => n.kind !== "frame")) drawNode(svg, node, states, openRun);
  container.replaceChildren(svg);
}

function arrowMarker(svg) {
  const marker = svgEl("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" }, svgEl("defs", {}, svg));
  svgEl("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow-head" }, marker);
}

function drawEdge(svg, edge, history) {
  const d = edge.points.map((p, i) => `${i ? "L" : "M"} ${p.x} ${p.y}`).join(" ");
  const taken = edgeTaken(edge, history);
  const g = svgEl("g", { class: `edge edge-${edge.kind}${taken ? " taken" : ""}`, "data-from": edge.from, "data-to": edge.to }, svg);
  svgEl("path", { d, "marker-end": edge.kind === "fork" ? null : "url(#arrow)" }, g);
  if (edge.label) {
    const [a, b] = edge.points;
    const text = svgEl("text", { x: Math.min(a.x, b.x) + 6, y: (edge.points.length > 2 ? a.y : (a.y + b.y) / 2) - 3, class: "edge-label" }, g);
    text.textContent = clip(edge.label, 32);
    svgEl("title", {}, g).textContent = edge.label;
  }
}

function drawFrame(svg, node, state) {
  const g = svgEl("g", { class: "map-frame", "data-step": node.step.id }, svg);
  svgEl("rect", { x: node.x, y: node.y, width: node.w, height: node.h, rx: 8 }, g);
  svgEl("text", { x: node.x + 6, y: node.y + node.h - 5, class: "frame-label" }, g).textContent = `× each item, ≤ ${node.step.maxConcurrency} at once`;
  if (state?.progress) g.dataset.done = state.progress.done;
}

function drawNode(svg, node, states, openRun) {
  if (node.kind === "terminal") return drawTerminal(svg, node);
  if (node.kind === "branch") return drawBranchLabel(svg, node, states.get(node.step.id));
  if (node.kind === "join") return drawJoin(svg, node, states.get(node.step.id));
  const state = states.get(node.step.id);
  const g = svgEl("g", { class: `node kind-${node.step.kind} state-${state.state}`, "data-step": node.step.id, "data-kind": node.step.kind, "data-state": state.state }, svg);
  svgEl("rect", { x: node.x, y: node.y, width: node.w, height: node.h, rx: 6 }, g);
  const lines = [node.step.id, kindLine(node.step), detailLine(node.step, state)];
  lines.forEach((line, i) => {
    const text = svgEl("text", { x: node.x + 8, y: node.y + 17 + i * 16, class: i === 0 ? "node-id" : "node-detail" }, g);
    text.textContent = clip(line);
  });
  svgEl("title", {}, g).textContent = [node.step.id, node.step.description, kindLine(node.step), detailLine(node.step, state), node.step.failsWith ? `on failure: fails with ${node.step.failsWith}` : null].filter(Boolean).join("\n");
  if (state.progress && node.step.kind === "map") markProgress(g, state.progress);
  if (node.step.kind === "workflow" && state.child) linkChild(g, state.child, openRun);
}

/** What kind of step, with the one fact of its declaration that shapes the graph. */
function kindLine(step) {
  switch (step.kind) {
    case "workflow": return `workflow → ${step.workflow}`;
    case "map": return `map over ${step.items.replace(/^steps\./, "")}`;
    case "parallel": return `parallel, ${step.branches.length} branches`;
    case "agent": {
      const gated = step.tools.filter((t) => t.gated).length;
      return `agent, ${step.tools.length} tools${gated ? ` (${gated} gated)` : ""}`;
    }
    default: return step.kind;
  }
}

function detailLine(step, state) {
  if (step.kind === "map" && state.progress) {
    const p = state.progress;
    return `${p.done}/${p.total} done, ${p.running} running, ${p.failed} failed`;
  }
  if (step.kind === "workflow" && state.child) return `${state.state}: open child run ↗`;
  // A running agent reports its turns as progress: done of maxTurns.
  if (step.kind === "agent" && state.state === "running" && state.progress) return `turn ${state.progress.done + 1} of ${state.progress.total}`;
  return state.detail;
}

function markProgress(g, progress) {
  for (const key of ["total", "done", "running", "failed"]) g.dataset[key] = progress[key];
}

// A workflow step's child is its own run: the node opens it here, as clicking it in the runs table would.
function linkChild(g, child, openRun) {
  g.classList.add("link");
  g.dataset.childRun = child;
  g.setAttribute("tabindex", "0");
  g.setAttribute("role", "link");
  g.addEventListener("click", () => openRun(child));
  g.addEventListener("keydown", (e) => { if (e.key === "Enter") openRun(child); });
}

function drawTerminal(svg, node) {
  const g = svgEl("g", { class: `terminal terminal-${node.name}` }, svg);
  svgEl("circle", { cx: node.cx, cy: node.cy, r: LAYOUT.terminal }, g);
  svgEl("title", {}, g).textContent = node.name;
}

function drawBranchLabel(svg, node, parentState) {
  const status = parentState?.record?.branches?.find((b) => b.name === node.branch.name)?.status;
  const g = svgEl("g", { class: `branch${status ? ` state-${status}` : ""}`, "data-step": node.step.id, "data-branch": node.branch.name, "data-state": status ?? "" }, svg);
  const text = svgEl("text", { x: node.x + node.w / 2, y: node.y + 14, "text-anchor": "middle" }, g);
  text.textContent = `${node.branch.name}${node.branch.continuesOnFailure ? " (may fail)" : ""}${status ? `: ${status}` : ""}`;
}

// The join says what it waits for: every branch, the first to succeed, or at least n of them.
function joinText(join) {
  if (join === "any") return "join: any (first to succeed)";
  if (join && typeof join === "object") return `join: at least ${join.atLeast}`;
  return "join: all";
}

function drawJoin(svg, node, state) {
  const g = svgEl("g", { class: `join state-${state.state}`, "data-step": node.step.id, "data-state": state.state }, svg);
  svgEl("rect", { x: node.x, y: node.y, width: node.w, height: node.h, rx: node.h / 2 }, g);
  const text = svgEl("text", { x: node.x + node.w / 2, y: node.y + node.h / 2 + 4, "text-anchor": "middle" }, g);
  text.textContent = joinText(node.step.join);
}
