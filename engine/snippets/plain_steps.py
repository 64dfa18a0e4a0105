"""Manual training with plain tensors (no requires_grad anywhere): `w1 -= lr * grad_w1` in a
loop, the backward pass written out by hand. No gradient flows through any of it, so the
update is read as torch does it, on numbers: the tensor's new numbers replace it for every
name of it. What a finished turn of the loop computed and nothing holds any more then leaves
the document, as a finished training step's graph does (training.py): the document keeps the
latest turn's computation, its inputs as numbers, and the element limit counts what the
document holds, not every tensor a long loop ever made."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

import torch

from engine.limits import VALUE_ELEMENTS
from engine.ops import LEAF
from engine.snippets.closure_steps import ClosureSteps
from engine.snippets.held import held_node_ids
from engine.snippets.safety import raised_at
from engine.snippets.values import Pending, Ref

_IN_PLACE: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.iadd, ast.Sub: operator.isub, ast.Mult: operator.imul,
    ast.Div: operator.itruediv, ast.Pow: operator.ipow}
_VIEWS = ("index", "reshape", "transpose", "detach")  # an update of one changes another


class PlainSteps(ClosureSteps):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loop_depth = 0
        self.plain_updates = 0  # updates of plain tensors read as numbers so far

    def body_of_loop(self, body: list[ast.stmt]) -> bool:
        self.loop_depth += 1
        try:
            return super().body_of_loop(body)
        finally:
            self.loop_depth -= 1

    def aug_assign(self, stmt: ast.AugAssign) -> None:
        if not self.plain_update(stmt):
            super().aug_assign(stmt)

    def plain_update(self, stmt: ast.AugAssign) -> bool:
        """`w1 -= learning_rate * grad_w1` in a loop, no tensor involved requiring grad: the
        update on numbers, torch's in-place op (its casting and broadcasting rules, its
        errors). Anything else (a leaf, a view, grad involved) is the usual reading."""
        op = _IN_PLACE.get(type(stmt.op))
        if self.loop_depth == 0 or op is None or not isinstance(stmt.target, ast.Name):
            return False
        current = self.env.get(stmt.target.id)
        if not isinstance(current, Pending | Ref) or id(current) in self.data_copies:
            return False
        if current.node_id is not None and (
                self.doc.node(current.node_id).op in (LEAF, *_VIEWS)
                or self.detached_from_computed(current) is not None
                # an op requiring grad saved it (or its storage, updated in place before):
                # torch's version check decides (inplace.py)
                or current.node_id in self.storages
                or any(self.node_needs_grad(u)
                       for u in self.doc.graph.successors(current.node_id))):
            return False
        if self.needs_grad(current) or any(
                isinstance(n, ast.Attribute) and n.attr == "grad" or isinstance(n, ast.Name)
                and isinstance(v := self.env.get(n.id), Pending | Ref) and self.needs_grad(v)
                for n in ast.walk(stmt.value)):
            return False  # a tensor requiring grad is involved: the usual reading
        right = self.expr(stmt.value)
        meta = self.meta.get(current.node_id) if current.node_id is not None else None
        too_many = isinstance(meta, torch.Tensor) and VALUE_ELEMENTS.exceeded(meta.numel())
        if too_many or isinstance(right, Pending | Ref) and self.needs_grad(right):
            # made requiring grad, or more numbers than a value holds: a node, as usual
            result = self.binop(stmt.op, current, right, stmt)
            self.in_place(stmt, stmt.op, current, right, result)
            if isinstance(result, Pending | Ref):
                self.relabel(current, result, stmt)
            self.bind(stmt.target.id, result, stmt)
            return True
        numbers = self.concrete(current, stmt).clone()
        other = self.plain_or_tensor(right, stmt)
        try:
            op(numbers, other)
        except Exception as exc:  # noqa: BLE001 - torch's own words (shapes, dtypes)
            raise raised_at(stmt, exc) from None
        result = self.from_tensor(numbers, stmt)
        self.relabel(current, result, stmt)
        self.bind(stmt.target.id, result, stmt)
        self.plain_updates += 1
        return True

    def turn(self, where: ast.AST) -> None:
        super().turn(where)
        if self.plain_updates:
            self.drop_finished_turn()

    def drop_finished_turn(self) -> None:
        """Remove what no name, list or module holds and nothing kept uses, needing no
        grad and named by no call: the earlier turns' plain computation."""
        graph = self.doc.graph
        keep = held_node_ids(self.env)
        for call in self.program:
            keep.update(call.outputs, call.inputs or (), call.leaves or ())
        stack = [i for i in graph if graph.out_degree(i) == 0]
        gone: list[str] = []
        while stack:
            node_id = stack.pop()
            if node_id in keep or node_id not in graph or graph.out_degree(node_id) \
                    or self.doc.node(node_id).op == LEAF or self.node_needs_grad(node_id):
                continue
            sources = list(graph.predecessors(node_id))
            self.forget_node(node_id)
            gone.append(node_id)
            stack.extend(sources)
        if gone:
            self.suffix.clear()  # names freed above are given again (w1, not w1_500)
            self.elements = sum(int(m.numel()) for i in graph
                                if isinstance(m := self.meta.get(i), torch.Tensor))

    def forget_node(self, node_id: str) -> None:
        name = self.doc.remove_node(node_id)[0].name
        if self.holders.get(name) == node_id:  # the name is free for the next turn
            del self.holders[name]
            self.taken.discard(name)
        self.auto_named.discard(node_id)
        self.fresh_tensors.discard(node_id)
        self.changed_through.pop(node_id, None)
        self.storages.pop(node_id, None)
        for memo in (self.values, self.grad_memo, self.meta):
            memo.pop(node_id, None)


__all__ = ["PlainSteps"]
