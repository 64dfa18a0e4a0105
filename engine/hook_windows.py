"""A gradient hook that acts on some of a document's calls only: registered after a call
(`loss.backward(retain_graph=True)`, then `y.register_hook(lambda g: -g)`, another backward)
or removed between calls (`h.remove()`). Torch applies a hook to the calls made while it is
registered; the runner does the same on the one forward graph.

A grad_hook node computes `fixed + (t - fixed) * k` (op_impls.scaled_gradient): backward
multiplies by k on the way through. For a hook with a window, the run hooks that product's
two autograd nodes: outside the window the gradient arriving at the product is kept, and
the node after it receives that gradient itself instead of k times it, exactly what reaches
`t` in torch while no hook is registered. The forward graph, its saved tensors and its
freed buffers stay the same: a second backward through freed buffers still raises as torch
raises. A hook with a gradient expression is one autograd node of its own
(engine/expression_backward.py) that passes the gradient unchanged while told to."""

from __future__ import annotations

import math
from typing import Any

import torch

from engine.document import Document

HOOK_OP = "grad_hook"


def windows(doc: Document) -> dict[str, tuple[int, float]]:
    """The grad_hook nodes that act on some calls only: node id → (the number of the first
    call the hook acts on, the number of the first it no longer acts on)."""
    found: dict[str, tuple[int, float]] = {}
    for node in doc.nodes():
        if node.op != HOOK_OP:
            continue
        added = node.params.get("added_at_call", 0)
        removed = node.params.get("removed_at_call", 0)
        first = added if isinstance(added, int) and added > 1 else 1
        end = removed if isinstance(removed, int) and removed > 0 else math.inf
        if first > 1 or end <= len(doc.calls):
            found[node.id] = (first, end)
    return found


class Bypass:
    """The gradient passes the hook node unchanged while `on` (no hook registered)."""

    def __init__(self, out: torch.Tensor) -> None:
        self._on = False
        self._arriving: list[Any] = []
        self._switch: Any = None
        add = out.grad_fn
        if add is None:
            return  # nothing flows back through it: nothing to pass by
        if hasattr(add, "passes"):  # a gradient expression: its backward reads the switch
            self._switch = add  # (engine/expression_backward.py)
            return
        product = next(fn for fn, _ in add.next_functions if fn is not None)
        before = product.next_functions[0][0]  # (t - fixed): the node the product sends to
        product.register_prehook(self._keep)
        if before is not None:
            before.register_prehook(self._unscaled)

    @property
    def on(self) -> bool:
        return self._on

    @on.setter
    def on(self, on: bool) -> None:
        self._on = on
        if self._switch is not None:
            self._switch.passes = on

    def _keep(self, grad_outputs: tuple[Any, ...]) -> None:
        self._arriving[:] = grad_outputs if self.on else ()

    def _unscaled(self, grad_outputs: tuple[Any, ...]) -> tuple[Any, ...] | None:
        return tuple(self._arriving) if self.on and self._arriving else None


__all__ = ["Bypass", "windows"]
