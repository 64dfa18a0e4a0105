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

    def leaf_replaced(self, old_id: str, fresh: Pending, where: ast.AST) -> None:
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

    def flag_turned_on(self, node_id: str) -> None:
        grad = self.carried_grads.pop(node_id, None)
        if grad is not None:
            self.doc.update_node(node_id, grad=grad)
