"""A tensor's .grad through its requires_grad changes: `x.requires_grad_(False)` after a
backward, then `x.requires_grad_(True)` (a tutorial's three ways to stop tracking). torch's
x is the same tensor throughout and keeps its .grad. The document gives x a leaf of its own
at each change after its use (torchcalls.py), so the .grad torch has at that point is
carried to the new leaf: held on it when it requires grad (Node.grad, where later backward
calls add to it), else kept here until its flag is turned on again."""

from __future__ import annotations

import ast
from typing import Any

from engine.snippets.training import TrainingReader
from engine.snippets.values import Pending


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

    def flag_turned_on(self, node_id: str) -> None:
        grad = self.carried_grads.pop(node_id, None)
        if grad is not None:
            self.doc.update_node(node_id, grad=grad)
