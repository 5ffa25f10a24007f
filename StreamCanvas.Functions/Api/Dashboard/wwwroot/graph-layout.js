// Lays out a workflow's graph (GET /api/workflows/{name}/graph) top to bottom, in pixels, without drawing it.
// A workflow is nested lists, not an arbitrary graph, so the layout follows the lists: each list is a column of
// blocks in declaration order (the order a reader expects), a parallel step puts its branches side by side
// between its fork and its join, and a map step frames its body. Edges to the block right below are straight;
// every other edge (goto, condition branches, onFailure, loops back) runs in its own lane right of its list,
// so edges never cross a node. Small and dependency-free on purpose: a graph library would be larger than
// the page and still not know about joins and map frames.
"use strict";

const LAYOUT = { labelRoom: 130, nodeW: 200, nodeH: 58, joinH: 28, gapY: 34, gapX: 26, pad: 14, lane: 14, labelH: 20, terminal: 9 };

/** { width, height, nodes, edges } for a graph; nodes and edges carry what the renderer needs to draw them. */
function layoutWorkflow(graph) {
  const out = { nodes: [], edges: [] };
  const list = measureList(graph.steps, "top");
  // Room on the right for the labels of the outermost lanes ("on failure", a condition).
  const width = Math.max(list.w, LAYOUT.nodeW) + 2 * LAYOUT.pad + LAYOUT.labelRoom;
  const cx = LAYOUT.pad + list.blockW / 2;
  const start = { x: cx, y: LAYOUT.pad + 2 * LAYOUT.terminal };
  const listTop = start.y + LAYOUT.gapY;
  const end = { x: cx, y: listTop + list.h + LAYOUT.gapY };
  out.nodes.push({ kind: "terminal", name: "start", cx, cy: start.y - LAYOUT.terminal });
  out.nodes.push({ kind: "terminal", name: "end", cx, cy: end.y + LAYOUT.terminal });
  const placed = placeList(list, LAYOUT.pad, listTop, end, out);
  if (placed.first) out.edges.push({ points: [start, placed.first.entry], kind: "next", from: "start", to: graph.steps[0].id });
  return { width, height: end.y + 2 * LAYOUT.terminal + LAYOUT.pad, nodes: out.nodes, edges: out.edges };
}

/** Sizes of a list's blocks, and which of its edges need a lane (not to the block right below). */
function measureList(steps, context) {
  const blocks = steps.map((step) => measureBlock(step));
  const routes = [];
  steps.forEach((step, i) => {
    const below = steps[i + 1]?.id ?? "end";
    let straightUsed = false;
    for (const edge of step.edges) {
      // Inside a map body "end" only finishes the item: the frame already says so, no edge to draw.
      if (edge.to === "end" && context === "map") continue;
      const straight = !straightUsed && edge.to === below && edge.kind !== "on-failure";
      straightUsed ||= straight;
      routes.push({ from: i, edge, straight });
    }
  });
  const lanes = routes.filter((r) => !r.straight).length;
  const blockW = Math.max(0, ...blocks.map((b) => b.w));
  const h = blocks.reduce((sum, b) => sum + b.h, 0) + LAYOUT.gapY * Math.max(0, blocks.length - 1);
  return { steps, blocks, routes, blockW, w: blockW + (lanes ? LAYOUT.gapX / 2 + lanes * LAYOUT.lane : 0), h };
}

function measureBlock(step) {
  if (step.kind === "parallel") {
    const branches = step.branches.map((branch) => ({ branch, list: measureList(branch.steps, "branch") }));
    const inner = branches.reduce((sum, b) => sum + Math.max(b.list.w, LAYOUT.nodeW), 0) + LAYOUT.gapX * (branches.length - 1);
    const tallest = Math.max(0, ...branches.map((b) => b.list.h));
    return { step, branches, inner, w: Math.max(LAYOUT.nodeW, inner), h: LAYOUT.nodeH + 2 * LAYOUT.gapY + LAYOUT.labelH + tallest + LAYOUT.joinH };
  }
  if (step.kind === "map") {
    const body = measureList(step.body, "map");
    return { step, body, w: Math.max(LAYOUT.nodeW, body.w) + 2 * LAYOUT.pad, h: 2 * LAYOUT.pad + LAYOUT.nodeH + LAYOUT.gapY + body.h };
  }
  return { step, w: LAYOUT.nodeW, h: LAYOUT.nodeH };
}

/** Places a measured list with its top-left at (x, y); `end` is where its "end" edges go (null: nowhere). */
function placeList(list, x, y, end, out) {
  const cx = x + list.blockW / 2;
  const placed = [];
  let top = y;
  for (const block of list.blocks) {
    placed.push(placeBlock(block, cx - block.w / 2, top, out));
    top += block.h + LAYOUT.gapY;
  }
  const laneX = x + list.blockW + LAYOUT.gapX / 2;
  let lane = 0;
  for (const route of list.routes) {
    const from = placed[route.from];
    const target = route.edge.to === "end" ? null : placed[list.steps.findIndex((s) => s.id === route.edge.to)];
    if (!target && (route.edge.to !== "end" || !end)) continue; // a target outside this list: the validator forbids it
    const edge = { kind: route.edge.kind, label: route.edge.label, from: list.steps[route.from].id, to: route.edge.to };
    edge.points = route.straight
      ? [from.exit, target ? target.entry : end]
      : laneRoute(from, target, end, laneX + LAYOUT.lane * lane++);
    out.edges.push(edge);
  }
  return { first: placed[0] };
}

// Out of the source's right side a little below its middle, into the target's a little above, so an edge
// leaving and one arriving at the same node stay apart.
function laneRoute(from, target, end, laneX) {
  const start = { x: from.right.x, y: from.right.y + 8 };
  const stop = target ? { x: target.right.x, y: target.right.y - 8 } : { x: end.x + LAYOUT.terminal, y: end.y + LAYOUT.terminal };
  return [start, { x: laneX, y: start.y }, { x: laneX, y: stop.y }, stop];
}

/** Places one block; returns where edges enter it (top), leave it (bottom) and reach it from a lane (right). */
function placeBlock(block, x, y, out) {
  if (block.branches) return placeParallel(block, x, y, out);
  if (block.body) return placeMap(block, x, y, out);
  out.nodes.push({ kind: "step", step: block.step, x, y, w: LAYOUT.nodeW, h: LAYOUT.nodeH });
  return anchors(x, y, LAYOUT.nodeW, LAYOUT.nodeH, y + LAYOUT.nodeH);
}

function anchors(x, y, w, h, bottom) {
  return { entry: { x: x + w / 2, y }, exit: { x: x + w / 2, y: bottom }, right: { x: x + w, y: y + h / 2 } };
}

// The parallel step is the fork node; its branches hang side by side below it, each under its name, and
// meet in a join node that says what the join waits for.
function placeParallel(block, x, y, out) {
  const forkX = x + (block.w - LAYOUT.nodeW) / 2;
  out.nodes.push({ kind: "step", step: block.step, x: forkX, y, w: LAYOUT.nodeW, h: LAYOUT.nodeH });
  const joinY = y + block.h - LAYOUT.joinH;
  const join = { x: x + block.w / 2, y: joinY };
  out.nodes.push({ kind: "join", step: block.step, x: forkX, y: joinY, w: LAYOUT.nodeW, h: LAYOUT.joinH });
  let branchX = x + (block.w - block.inner) / 2;
  const labelY = y + LAYOUT.nodeH + LAYOUT.gapY;
  for (const { branch, list } of block.branches) {
    const w = Math.max(list.w, LAYOUT.nodeW);
    out.nodes.push({ kind: "branch", step: block.step, branch, x: branchX, y: labelY, w, h: LAYOUT.labelH });
    const placed = placeList(list, branchX + (w - list.w) / 2, labelY + LAYOUT.labelH, join, out);
    const forkBottom = { x: forkX + LAYOUT.nodeW / 2, y: y + LAYOUT.nodeH };
    out.edges.push({ points: [forkBottom, { x: branchX + w / 2, y: labelY }], kind: "fork", from: block.step.id, to: branch.name });
    if (!placed.first) out.edges.push({ points: [{ x: branchX + w / 2, y: labelY + LAYOUT.labelH }, join], kind: "next", from: branch.name, to: "end" });
    branchX += w + LAYOUT.gapX;
  }
  return { entry: { x: x + block.w / 2, y }, exit: { x: x + block.w / 2, y: joinY + LAYOUT.joinH }, right: { x: forkX + LAYOUT.nodeW, y: y + LAYOUT.nodeH / 2 } };
}

// The map step heads a frame holding its body: the body runs once per item, so it is drawn once, inside.
function placeMap(block, x, y, out) {
  out.nodes.push({ kind: "frame", step: block.step, x, y, w: block.w, h: block.h });
  const headX = x + (block.w - LAYOUT.nodeW) / 2;
  const headY = y + LAYOUT.pad;
  out.nodes.push({ kind: "step", step: block.step, x: headX, y: headY, w: LAYOUT.nodeW, h: LAYOUT.nodeH });
  const bodyY = headY + LAYOUT.nodeH + LAYOUT.gapY;
  const placed = placeList(block.body, x + (block.w - block.body.w) / 2, bodyY, null, out);
  if (placed.first) out.edges.push({ points: [{ x: x + block.w / 2, y: headY + LAYOUT.nodeH }, placed.first.entry], kind: "item", from: block.step.id, to: block.step.body[0].id, label: "each item" });
  return { entry: { x: x + block.w / 2, y }, exit: { x: x + block.w / 2, y: y + block.h }, right: { x: headX + LAYOUT.nodeW, y: headY + LAYOUT.nodeH / 2 } };
}
