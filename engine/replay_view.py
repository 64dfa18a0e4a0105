"""What a replayed step shows, as text and numbers: one reading for the app and the web page.

The app's canvas and chart (gui/canvas/scene.py, gui/replay/animation.py, the overlay and the
step list) and the web page (engine/webpage/) both ask these functions, so a card, a bar, a
seed tag or a step-list heading reads the same in both. Every number is a tensor a real
autograd hook handed to the recorder (engine/replay.py); nothing here computes a gradient.
No Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.calls import FUNCTIONAL, GRAD, JACOBIAN
from engine.format import element_labels, preview, shape_text
from engine.ops import LEAF, is_source
from engine.replay import Replay
from engine.trace import ACCUMULATE, EDGE_GRAD, GRAD_FN, NODE_GRAD, ZERO_GRAD, TraceEvent

if TYPE_CHECKING:
    from engine.document import Node
    from engine.trace import Run

Line = tuple[str, str]  # (text, role) role: value | grad | muted | error
# the step list's mark for each kind of event
MARKS = {NODE_GRAD: "●", EDGE_GRAD: "←", GRAD_FN: "ƒ", ACCUMULATE: "Σ", ZERO_GRAD: "0"}


# ---- a card's lines --------------------------------------------------------------------------
def value_lines(node: Node, run: Run | None) -> list[Line]:
    """A card's shape and value lines (the run's tensor, else the node's own literal); an op
    with an input not connected yet says which, calmly; None run: one is on its way."""
    value = run.values.get(node.id) if run else None
    if value is not None:
        return [(f"shape {shape_text(tuple(value.shape))}", "muted"),
                (f"= {preview(value)}", "value")]
    if is_source(node.op) and node.value is not None:
        import numpy as np  # a literal previews like the tensor it becomes

        literal = np.asarray(node.value)
        return [(f"shape {shape_text(literal.shape)}", "muted"), (f"= {preview(literal)}", "value")]
    error = run.node_errors.get(node.id) if run is not None else None
    if error is not None and error.incomplete:
        return [(error.message, "muted")]  # "connect input 'other'": a hint, not an alarm
    if error is not None:
        return [("forward failed", "error")]
    return [("computing…" if run is None else "not computed", "muted")]


def final_grad_line(node: Node, run: Run) -> Line | None:
    """A card's gradient line after the run (outside a replay): .grad, ∇ or "no gradient"."""
    if node.op == LEAF and node.id in run.leaf_grads:
        grad = run.leaf_grads[node.id]
        return (f".grad {preview(grad)}", "grad" if grad is not None else "muted")
    if node.id in run.node_grads:
        return (f"∇ {preview(run.node_grads[node.id])}", "grad")
    if node.id not in run.grad_nodes and node.id in run.values:
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
    seeds = replay.seeds_at(k)  # the gradients given by the call this step belongs to
    if k == 0 and node_id in seeds:
        seed = seeds[node_id]
        return (f"seed {preview(seed)}" if seed is not None
                else "seed: implicit (bare backward())", "grad")
    return ("∇ not yet", "muted")


def sum_text(replay: Replay, node_id: str, k: int, one_per_line: bool = False) -> str | None:
    """`Σ a + b = c` under a node whose gradient arrives in several parts (one term a line:
    as narrow as a card)."""
    parts = replay.contributions(node_id, k)
    shown = [g for _, g in parts if g is not None]
    if len(parts) < 2 or not shown:
        return None
    total = replay.node_grad_at(node_id, k)
    plus, equals = ("\n+ ", "\n= ") if one_per_line else (" + ", " = ")
    text = plus.join(preview(g) for g in shown)
    return "Σ " + text + (f"{equals}{preview(total)}" if total is not None else f"{plus}…")


def event_node(event: TraceEvent | None) -> str | None:
    """The node the event happened at (its card glows brighter); an edge's event has none."""
    if event is None or event.kind == EDGE_GRAD:
        return None
    return event.node_id


def seed_tags(replay: Replay, k: int) -> dict[str, str]:
    """The tag at each output at step k: the gradient the call of that step gave it."""
    calls = replay.run.calls
    several = len(calls) > 1
    call = replay.call_at(k)
    grad_call = several and call < len(calls) and calls[call].kind == GRAD
    bare = "implicit 1 (no grad_outputs=)" if grad_call else "bare backward()"
    out = {}
    for node_id, seed in replay.seeds_at(k).items():
        text = f"seed {preview(seed)}" if seed is not None else bare
        out[node_id] = f"call {call + 1}: {text}" if several else text
    return out


# ---- the chart -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Bar:
    """One element of one leaf's .grad: a bar slot on the chart."""

    leaf_id: str
    index: int  # flat index into the leaf's .grad
    label: str  # x[0], W[1,2]


def chart_bars(run: Run) -> list[Bar]:
    """A bar per element of every leaf that has a .grad at some point of the run (after any
    of its calls, or before the first), grouped by leaf, in the run's leaf order."""
    bars: list[Bar] = []
    for leaf_id in run.leaf_grads:
        seen = [run.leaf_grads.get(leaf_id), run.grads_before.get(leaf_id)]
        seen += [c.grads_after.get(leaf_id) for c in run.calls]
        shape = next((tuple(g.shape) for g in seen if g is not None), None)
        if shape is None:
            continue
        labels = element_labels(run.names[leaf_id], shape)
        bars.extend(Bar(leaf_id, i, label) for i, label in enumerate(labels))
    return bars


def leaf_values(replay: Replay, leaf_id: str, k: int) -> list[float] | None:
    """The leaf's .grad at step k, flat (None: no .grad then)."""
    grad = replay.leaf_grad_at(leaf_id, k)
    return None if grad is None else [float(v) for v in grad.reshape(-1).tolist()]


def chart_values(replay: Replay, k: int,
                 bars: list[Bar] | None = None) -> tuple[list[str], list[float | None]]:
    """The bars at step k: their labels, and each one's .grad element so far (None: none)."""
    bars = chart_bars(replay.run) if bars is None else bars
    heights: list[float | None] = []
    values: dict[str, list[float] | None] = {}
    for bar in bars:
        if bar.leaf_id not in values:
            values[bar.leaf_id] = leaf_values(replay, bar.leaf_id, k)
        now = values[bar.leaf_id]
        heights.append(None if now is None or bar.index >= len(now) else now[bar.index])
    return [b.label for b in bars], heights


# ---- the step list ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    step: int | None  # None: a heading or a note, not a step one can go to
    text: str
    tip: str = ""
    heading: bool = False
    error: str = ""  # a call's torch error, verbatim ("Type: message"), on its error row


def step_rows(replay: Replay) -> list[Row]:
    return [Row(k, replay.describe(k)) for k in range(len(replay) + 1)]


def rows(replay: Replay, words: Callable[[int], str | None] | None = None) -> list[Row]:
    """The step list: with several calls, a heading per call (`call 2: …`), its steps, and
    torch's error under the call that raised it. `words(i)`: call i as the seed panel heads
    it (None: the run's own label). A one-call run is the plain list of steps."""
    groups = replay.groups()
    if len(groups) <= 1:
        return step_rows(replay)
    out: list[Row] = []
    for group in groups:
        state = "" if group.ran else "  — not run"
        said = words(group.index) if words is not None else None
        title = f"call {group.index + 1}: {said}" if said else group.title
        out.append(Row(None, title + state, "the steps of this call follow", True))
        if group.index == 0:
            out.append(Row(0, replay.describe(0)))
        out.extend(Row(k, replay.describe(k)) for k in group.steps)
        if group.error is not None:
            text = f"{group.error.type}: {group.error.message}"
            out.append(Row(None, f"✗ {first_sentence(text)}",
                           f"torch raised this at this call; the calls after it are not "
                           f"run.\n{text}", error=text))
        elif group.ran and group.kind == FUNCTIONAL:
            out.append(Row(None, "(no steps: torch.autograd.functional works on copies of its "
                                 "inputs and changes no .grad)",
                           "what it returned is under the call in the seed panel"))
        elif group.ran and group.kind == JACOBIAN:
            # the app's tooltip names the lens; the web page (no lens) shows the text alone
            out.append(Row(None, "(no steps: torch.autograd.functional.jacobian works on "
                                 "copies of its inputs and changes no .grad)",
                           "its J is in the Jacobian lens"))
        elif group.ran and not group.steps:
            out.append(Row(None, "(no autograd hook ran in this call)"))
    return out


def first_sentence(text: str, limit: int = 110) -> str:
    """A long message's first sentence for one row (the tooltip has it whole)."""
    cut = text.find(". ")
    short = text if cut < 0 else text[: cut + 1]
    return short if len(short) <= limit else short[: limit - 1] + "…"
