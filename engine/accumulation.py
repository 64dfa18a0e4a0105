"""Each call's share of a leaf's .grad, for a chart that stacks them.

torch adds every backward call's gradient into `.grad`; a zero_grad call starts it over. The
share of a backward call is what it added: `.grad` after it minus `.grad` before it, both as
recorded by the run (Run.calls[k].grads_before / grads_after, copies of the real `.grad`), so
the shares since the last reset add up to the `.grad` the run ended the call with. Nothing here
differentiates. No Qt, no torch import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engine.calls import BACKWARD, ZERO_GRAD
from engine.trace import ZERO_GRAD as ZEROED

if TYPE_CHECKING:
    from torch import Tensor

    from engine.trace import Run

BEFORE = -1  # the share already there before call 1 (a run that accumulates across runs)


@dataclass(frozen=True)
class Share:
    call: int  # index into Run.calls, or BEFORE
    values: list[float]  # flat, row-major: what this call added to each element


@dataclass
class LeafHistory:
    """A leaf's .grad right after one call: the shares since its last reset, in call order,
    and the zero_grad calls (up to that call) that reset it."""

    grad: list[float] | None  # flat .grad after the call; None: .grad is None
    shares: list[Share] = field(default_factory=list)
    resets: list[int] = field(default_factory=list)


def _flat(t: Tensor | None) -> list[float] | None:
    return None if t is None else [float(v) for v in t.reshape(-1).tolist()]


def leaf_history(run: Run, leaf_id: str, upto: int) -> LeafHistory:
    """The leaf's .grad after call `upto` (an index into run.calls), split into shares."""
    calls = run.calls[: upto + 1]
    start = _flat(calls[0].grads_before.get(leaf_id)) if calls else None
    shares = [Share(BEFORE, start)] if start is not None and any(start) else []
    resets: list[int] = []
    for call in calls:
        if not call.ran or call.error is not None:
            continue  # a call that raised left .grad as it was
        before = _flat(call.grads_before.get(leaf_id))
        after = _flat(call.grads_after.get(leaf_id))
        if call.kind == ZERO_GRAD:
            if any(e.kind == ZEROED and e.node_id == leaf_id
                   for e in run.events[call.start:call.stop]):
                shares, resets = [], [*resets, call.index]
        elif call.kind == BACKWARD and after is not None:
            base = before if before is not None and len(before) == len(after) \
                else [0.0] * len(after)
            added = [a - b for a, b in zip(after, base, strict=True)]
            if any(added):
                shares.append(Share(call.index, added))
    grad = _flat(calls[-1].grads_after.get(leaf_id)) if calls else None
    return LeafHistory(grad, shares if grad is not None else [], resets)
