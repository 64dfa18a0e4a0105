"""What the web replay shows at each step, as plain data: texts, roles and numbers.

The same reading of a run's trace as the app's replay (gui/animation.py, gui/animation_overlay.py,
gui/canvas/scene.py): a card's gradient line, what each edge carried, the contributions adding
up at a node, which nodes autograd has finished, and every leaf's .grad so far. Every number is
a tensor a real autograd hook handed to the recorder (engine/replay.py); nothing is computed
here but text.

Each display item is a *track*: its value at step 0 and at every step where it changes. The page
keeps the tracks and, to show step k, takes each changed item's last value at or before k —
so the page stays linear in the number of events, like the replay itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from engine.document import Document, Edge
from engine.format import element_labels, number, preview, shape_text
from engine.ops import LEAF, is_source
from engine.replay import Key, Replay
from engine.trace import ACCUMULATE, EDGE_GRAD, GRAD_FN, NODE_GRAD, Run, TraceEvent

MARKS = {NODE_GRAD: "●", EDGE_GRAD: "←", GRAD_FN: "ƒ", ACCUMULATE: "Σ"}
# How long one event lasts when playing at 1×: the app's timings (gui/animation.py)
EVENT_MS = {EDGE_GRAD: 800}
OTHER_EVENT_MS = 500

Line = tuple[str, str]  # (text, role) role: value | grad | muted | error


@dataclass(frozen=True)
class Bar:
    """One element of one leaf's final .grad: a bar slot on the chart."""

    leaf_id: str
    index: int  # flat index into the leaf's .grad
    label: str  # x[0], W[1,2]


@dataclass
class Tracks:
    """Every display item's value at step 0 and at each step it changes."""

    values: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    changes: list[list[str]] = field(default_factory=list)  # changes[k]: items moving k-1 → k

    def put(self, item: str, step: int, value: Any) -> None:
        history = self.values.setdefault(item, [])
        if history and history[-1][1] == value:
            return
        history.append((step, value))
        if step:
            self.changes[step].append(item)

    def at(self, item: str, step: int) -> Any:
        value = None
        for s, v in self.values.get(item, []):
            if s > step:
                break
            value = v
        return value


def static_lines(doc: Document, run: Run, node_id: str) -> list[Line]:
    """A card's value lines, as the canvas shows them after a run (gui/canvas/scene.py)."""
    node = doc.node(node_id)
    value = run.values.get(node_id)
    if value is not None:
        return [(f"shape {shape_text(tuple(value.shape))}", "muted"),
                (f"= {preview(value)}", "value")]
    if is_source(node.op) and node.value is not None:
        import numpy as np  # a literal previews like the tensor it becomes

        literal = np.asarray(node.value)
        return [(f"shape {shape_text(literal.shape)}", "muted"), (f"= {preview(literal)}", "value")]
    if node_id in run.node_errors:
        return [("forward failed", "error")]
    return [("not computed yet", "muted")]


def final_grad_line(doc: Document, run: Run, node_id: str) -> Line | None:
    """The gradient line of a card the replay does not animate: the run's final text."""
    node = doc.node(node_id)
    if node.op == LEAF and node_id in run.leaf_grads:
        grad = run.leaf_grads[node_id]
        return (f".grad {preview(grad)}", "grad" if grad is not None else "muted")
    if node_id in run.node_grads:
        return (f"∇ {preview(run.node_grads[node_id])}", "grad")
    if node_id not in run.grad_nodes and node_id in run.values:
        return ("no gradient", "muted")
    return None


def grad_line(replay: Replay, node_id: str, k: int) -> Line | None:
    """A card's gradient line at step k (None: the node never receives a gradient)."""
    if node_id not in replay.gradient_nodes:
        return None
    total = replay.node_grad_at(node_id, k)
    if node_id in replay.run.leaf_grads:
        grad = replay.leaf_grad_at(node_id, k)
        if replay.has_arrived(("leaf", node_id), k):
            return (f".grad {preview(grad)}", "grad")
        if total is not None:
            return (f"∇ {preview(total)} → .grad next", "grad")
        return (f".grad {preview(grad)}", "muted")
    if total is not None:
        return (f"∇ {preview(total)}", "grad")
    if k == 0 and node_id in replay.seeds:
        seed = replay.seeds[node_id]
        return (f"seed {preview(seed)}" if seed is not None
                else "seed: implicit (bare backward())", "grad")
    return ("∇ not yet", "muted")


def sum_text(replay: Replay, node_id: str, k: int) -> str | None:
    """`Σ a + b = c` under a node whose gradient arrives in several parts."""
    parts = replay.contributions(node_id, k)
    shown = [g for _, g in parts if g is not None]
    if len(parts) < 2 or not shown:
        return None
    total = replay.node_grad_at(node_id, k)
    text = " + ".join(preview(g) for g in shown)
    return "Σ " + text + (f" = {preview(total)}" if total is not None else " + …")


def chart_bars(run: Run) -> list[Bar]:
    """Every element of every leaf that ends with a .grad, grouped by leaf (gui/animation.py)."""
    bars: list[Bar] = []
    for leaf_id, final in run.leaf_grads.items():
        if final is None:
            continue
        labels = element_labels(run.names[leaf_id], tuple(final.shape))
        bars.extend(Bar(leaf_id, i, label) for i, label in enumerate(labels))
    return bars


def bar_value(replay: Replay, bar: Bar, k: int) -> float | None:
    """The bar's height at step k: the leaf's .grad element so far (None: no .grad yet)."""
    grad = replay.leaf_grad_at(bar.leaf_id, k)
    if grad is None:
        return None
    return float(grad.reshape(-1)[bar.index])


def bar_text(value: float | None) -> str:
    if value is None:
        return "—"
    return number(value) if math.isfinite(value) else f"⚠ {number(value)}"


def event_node(event: TraceEvent | None) -> str | None:
    """The node the event happened at (its card glows brighter); edges have none."""
    if event is None or event.kind == EDGE_GRAD:
        return None
    return event.node_id


def step_call(event: TraceEvent | None) -> int:
    """Which backward call of the run's program the event belongs to (one call today: 0)."""
    return int(getattr(event, "call", 0) or 0) if event is not None else 0


def build_tracks(replay: Replay, node_keys: dict[str, str], edges: dict[Edge, str],
                 bars: list[Bar], bar_geometry: Any) -> Tracks:
    """Tracks for cards ("card:N"), glows ("halo:N"), sums ("sum:N"), edge labels ("edge:N")
    and bars ("bar:N"); N is the item's key on the page (`node_keys`, `edges`, bar index).
    `bar_geometry(value)` turns a bar value into what the page draws (Python decides the
    pixels; the page only copies them)."""
    n = len(replay)
    tracks = Tracks(changes=[[] for _ in range(n + 1)])
    bars_of: dict[str, list[int]] = {}
    for i, bar in enumerate(bars):
        bars_of.setdefault(bar.leaf_id, []).append(i)

    def show_node(node_id: str, k: int, current: str | None) -> None:
        line = grad_line(replay, node_id, k)
        if line is not None:
            key = node_keys[node_id]
            tracks.put(f"card:{key}", k, list(line))
            lit = replay.node_grad_at(node_id, k) is not None
            tracks.put(f"halo:{key}", k, "current" if node_id == current else
                       ("lit" if lit else ""))
            tracks.put(f"sum:{key}", k, sum_text(replay, node_id, k) or "")

    def show_leaf(leaf_id: str, k: int) -> None:
        for i in bars_of.get(leaf_id, []):
            tracks.put(f"bar:{i}", k, bar_geometry(bar_value(replay, bars[i], k)))

    for node_id in node_keys:
        show_node(node_id, 0, None)
    for item in edges.values():
        tracks.put(f"edge:{item}", 0, "")
    for leaf_id in bars_of:
        show_leaf(leaf_id, 0)
    previous: str | None = None
    for k in range(1, n + 1):
        current = event_node(replay.events[k - 1])
        keys: set[Key] = set(replay.keys_of(k - 1))
        keys |= {("node", x) for x in (current, previous) if x is not None}
        previous = current
        for kind, what in sorted(keys, key=repr):
            if kind == "edge" and what in edges:
                grad = replay.edge_grad_at(what, k)
                tracks.put(f"edge:{edges[what]}", k, preview(grad) if grad is not None else "")
            elif kind == "node" and what in node_keys:
                show_node(what, k, current)
            elif kind == "leaf" and what in node_keys:
                show_node(what, k, current)
                show_leaf(what, k)
    return tracks
