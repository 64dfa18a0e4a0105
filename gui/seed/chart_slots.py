"""What the input-gradient chart shows, before any drawing: one slot per x position.

A slot is a bar of one leaf element, or the "None" placeholder of a leaf whose .grad is None
(never a zero bar), with the ghost value torch gave for v = ones beside it; leaves come in
document order, each group of bars a gap apart. The hover text of a slot is written here too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.document import Document
from engine.format import element_labels
from engine.trace import Run

if TYPE_CHECKING:
    from torch import Tensor  # annotations only: torch comes in through engine/

GAP = 0.8  # extra space between two leaves' groups of bars


@dataclass(frozen=True)
class Slot:
    """One x position: a bar of a leaf element, or the None placeholder of a leaf."""

    x: float
    label: str
    value: float | None  # None: the leaf's .grad is None
    reference: float | None
    why_none: str = ""


def leaf_grads(doc: Document | None, run: Run) -> list[tuple[str, str, Tensor | None, str]]:
    """(leaf id, name, grad or None, why None) for every leaf, in document order."""
    bare_failed = run.error is not None
    why_default = "backward failed" if bare_failed else "no gradient reached it"
    out: list[tuple[str, str, Tensor | None, str]] = []
    ids = list(run.leaf_grads)
    if doc is not None:
        doc_leaves = [n for n in doc.leaves() if n.id in run.names]
        ids = [n.id for n in doc_leaves]
    for leaf_id in ids:
        if leaf_id in run.leaf_grads:
            grad = run.leaf_grads[leaf_id]
            out.append((leaf_id, run.names[leaf_id], grad, why_default))
        else:
            out.append((leaf_id, run.names[leaf_id], None, "requires_grad is off"))
    return out


def chart_slots(doc: Document | None, run: Run | None) -> list[Slot]:
    """Every leaf's elements as slots, the leaves a GAP apart."""
    slots: list[Slot] = []
    if run is None:
        return slots
    reference = run.reference_grads or {}
    x = 0.0
    for leaf_id, name, grad, why in leaf_grads(doc, run):
        if grad is None:
            slots.append(Slot(x, f"{name}: None", None, None, why))
            x += 1 + GAP
            continue
        ref = reference.get(leaf_id)
        ref_flat = ref.reshape(-1).tolist() if ref is not None and \
            ref.shape == grad.shape else [None] * grad.numel()
        for label, v, r in zip(element_labels(name, tuple(grad.shape)),
                               grad.reshape(-1).tolist(), ref_flat, strict=True):
            slots.append(Slot(x, label, float(v), None if r is None else float(r)))
            x += 1
        x += GAP
    return slots


def leaf_groups(slots: list[Slot]) -> list[tuple[str, list[Slot]]]:
    """Consecutive slots of one leaf (a gap wider than one slot starts the next leaf)."""
    out: list[tuple[str, list[Slot]]] = []
    for a, b in zip([None, *slots], slots, strict=False):
        name = b.label.split(":")[0].split("[")[0]
        if a is None or b.x - a.x > 1.01:
            out.append((name, [b]))
        else:
            out[-1][1].append(b)
    return out


def slot_text(slot: Slot) -> str:
    """The hover text of a slot: its exact .grad, the ghost value, or why it is None."""
    if slot.value is None:
        name = slot.label.split(":")[0]
        return f"{name}.grad is None ({slot.why_none})"
    text = f"{slot.label}.grad = {slot.value!r}"
    if slot.reference is not None:
        text += f"\nwith v = ones: {slot.reference!r}"
    if not math.isfinite(slot.value):
        text += "\nnot a finite number: the bar is drawn at the edge of the axis"
    return text


def slot_at(slots: list[Slot], x: float) -> Slot | None:
    """The slot whose bar is under x (within half a slot), if any."""
    best = min(slots, key=lambda s: abs(s.x - x), default=None)
    return best if best is not None and abs(best.x - x) <= 0.5 else None
