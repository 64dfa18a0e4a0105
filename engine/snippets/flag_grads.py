"""A tensor's .grad through its requires_grad changes: `x.requires_grad_(False)` after a
backward, then `x.requires_grad_(True)` (a tutorial's three ways to stop tracking). torch's
x is the same tensor throughout and keeps its .grad. The document gives x a leaf of its own
at each change after its use (torchcalls.py), so the .grad torch has at that point is
carried to the new leaf: held on it when it requires grad (Node.grad, where later backward
calls add to it), else kept here until its flag is turned on again."""

from __future__ import annotations

import ast
from typing import Any

import torch

from engine.snippets.training import TrainingReader
from engine.snippets.values import Pending, Ref, Value


class FlagGrads(TrainingReader):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # leaf id → the .grad torch keeps on it while it does not require grad
        self.carried_grads: dict[str, Any] = {}
        # leaf id made by `x.requires_grad_(False)` after x was used → (x's own leaf, the
        # calls made then)
        self.turned_off: dict[str, tuple[str, int]] = {}

    def leaf_replaced(self, old_id: str, fresh: Pending, where: ast.AST) -> None:
        if fresh.requires_grad is False and self.doc.node(old_id).requires_grad:
            self.turned_off[self.node_of(fresh, where)] = (old_id, len(self.program))
        grad: Any = None
        if self.program or self.backward_seen:
            found = self.grads_here(where).get(old_id)
            grad = None if found is None else found.tolist()
        if grad is None:
            grad = self.carried_grads.get(old_id)
        if grad is None:
            return
        new_id = self.node_of(fresh, where)
        if self.doc.node(new_id).requires_grad:
            self.doc.update_node(new_id, grad=grad)
        else:
            self.carried_grads[new_id] = grad

    def relabel(self, old: Value, new: Value, where: ast.AST) -> Value:
        """`x -= step` while x does not require grad changes x in place: the .grad torch
        keeps on it goes with the new numbers."""
        old_id = old.node_id if isinstance(old, Pending | Ref) else None
        if old_id in self.carried_grads and isinstance(new, Pending | Ref):
            self.carried_grads[self.node_of(new, where)] = self.carried_grads.pop(old_id)
        return super().relabel(old, new, where)

    def carried_grad(self, value: Pending | Ref, where: ast.AST) -> torch.Tensor | None:
        node_id = value.node_id
        carried = None if node_id is None else self.carried_grads.get(node_id)
        if carried is None:
            return None
        return torch.tensor(carried, dtype=self.concrete(value, where).dtype)

    def flag_restored(self, node_id: str, value: Value, where: ast.AST) -> Value | None:
        """`x.requires_grad_(False)` then `x.requires_grad_(True)` with nothing computed or
        called between: torch's x is the tensor its graph was recorded with, whose .grad the
        next backward through that graph adds to. The leaf made for the pause leaves."""
        old_id, calls_then = self.turned_off.pop(node_id, (None, -1))
        if old_id is None or calls_then != len(self.program) or old_id not in self.doc.graph \
                or self.doc.out_edges(node_id) or node_id in self.carried_grads:
            return None
        restored = self.relabel(value, Ref(old_id), where)
        self.forget_node(node_id)
        self.flags_changed()
        return restored

    def flag_turned_on(self, node_id: str) -> None:
        grad = self.carried_grads.pop(node_id, None)
        if grad is not None:
            self.doc.update_node(node_id, grad=grad)
