"""What the run of one training step gave back, in the forms the reader keeps between steps:
each call's answers by key, and the .grad of computed tensors after retain_grad()."""

from __future__ import annotations

from typing import Any

import torch

from engine import calls
from engine.trace import CallResult


def call_answers(call: CallResult) -> dict[Any, torch.Tensor | None]:
    """What one call returned, by each answer's key (GradAnswer.key): autograd.grad's by
    input id, a jacobian's blocks by (output id, input id), what torch.autograd.functional
    returned by its place in torch's nesting."""
    found: dict[Any, torch.Tensor | None] = {**call.results, **call.jacobian}

    def walk(item: Any, part: tuple[int, ...]) -> None:
        if isinstance(item, tuple | list):
            for k, inner in enumerate(item):
                walk(inner, (*part, k))
        elif isinstance(item, torch.Tensor):
            found[part] = item
    if call.answer is not None:
        walk(call.answer, ())
    return found


def retained_grads(result: Any, retained: set[str]) -> dict[str, torch.Tensor | None]:
    """The .grad of each computed tensor after its retain_grad(): what the backward calls
    that ran sent it, added up as torch adds into it (None when none reached it)."""
    out: dict[str, torch.Tensor | None] = {}
    for node_id in retained:
        sent = [g for c in result.calls if c.kind == calls.BACKWARD and c.ran
                for g in [c.node_grads.get(node_id)] if g is not None]
        out[node_id] = None if not sent else sum(sent[1:], sent[0].clone())
    return out
