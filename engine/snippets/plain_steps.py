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

from engine import calls
from engine.limits import VALUE_ELEMENTS
from engine.ops import LEAF
from engine.snippets.closure_steps import ClosureSteps
from engine.snippets.held import held_node_ids
from engine.snippets.optimizers import Optimizer
from engine.snippets.pyexpr import AfterBackward
from engine.snippets.safety import raised_at
from engine.snippets.values import Pending, Py, Ref, Value

_IN_PLACE: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.iadd, ast.Sub: operator.isub, ast.Mult: operator.imul,
    ast.Div: operator.itruediv, ast.Pow: operator.ipow}
_VIEWS = ("index", "reshape", "transpose", "detach")  # an update of one changes another


class PlainSteps(ClosureSteps):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loop_depth = 0
        self.plain_updates = 0  # updates of plain tensors read as numbers so far
        self.regrown: set[str] = set()  # leaves made again from their update this step

    def body_of_loop(self, body: list[ast.stmt]) -> bool:
        self.loop_depth += 1
        try:
            return super().body_of_loop(body)
        finally:
            self.loop_depth -= 1

    def training_step(self, stmt: ast.stmt, exc: AfterBackward) -> None:
        """`params = (params - lr * params.grad).detach().requires_grad_()`: a new leaf with
        the updated numbers and no .grad under the old leaf's name each turn of the loop (the
        book "Deep Learning with PyTorch"). While nothing else holds the old leaf, that is
        the old leaf updated, its .grad None: the step ends as an update's does, so a long
        loop keeps one step's graph and calls."""
        name, old = self.rebound(stmt)
        super().training_step(stmt, exc)
        self.regrow(stmt, name, old)

    def computed_from_grads(self, stmt: ast.stmt) -> bool:
        name, old = self.rebound(stmt)
        if not super().computed_from_grads(stmt):
            return False
        self.regrow(stmt, name, old)
        return True

    def rebound(self, stmt: ast.stmt) -> tuple[str | None, Value | None]:
        """The one name an assignment binds, and what it held before."""
        name = stmt.targets[0].id if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name) else None
        return name, self.env.get(name) if name is not None else None

    def regrow(self, stmt: ast.stmt, name: str | None, old: Value | None) -> None:
        """See training_step."""
        new = self.env.get(name) if name is not None else None
        if name is None or not isinstance(old, Pending | Ref) or not self.is_grad_leaf(old) \
                or not isinstance(new, Pending) or new is old or new.requires_grad is not True \
                or self.held_elsewhere(old, name):
            return
        if new.node_id is not None:
            if self.doc.out_edges(new.node_id):
                return
            self.doc.remove_node(new.node_id)
            new.node_id = None
        numbers, before = self.concrete(new, stmt), self.concrete(old, stmt)
        if numbers.shape != before.shape or numbers.dtype != before.dtype:
            return
        if new in self.leaves_pending:
            self.leaves_pending.remove(new)
        self.env[name] = old
        self.regrown.add(self.node_of(old, stmt))
        self.set_leaf_numbers(stmt, old, numbers.detach().clone(), name)

    def held_elsewhere(self, value: Value, name: str) -> bool:
        """Whether a name other than `name`, a list, a dict or an optimizer holds it."""
        def holds(item: Any, depth: int = 0) -> bool:
            if item is value:
                return True
            inner = item.value if isinstance(item, Py) else None
            if depth < 3 and isinstance(inner, list | tuple):
                return any(holds(v, depth + 1) for v in inner)
            if depth < 3 and isinstance(inner, dict):
                return any(holds(v, depth + 1) for v in inner.values())
            return isinstance(inner, Optimizer) and any(p is value for p in inner.params)
        return any(holds(v) for k, v in self.env.items() if k != name)

    def next_step(self, stmt: ast.AST) -> None:
        super().next_step(stmt)
        regrown = sorted(i for i in self.regrown if i in self.doc.graph)
        self.regrown.clear()
        if regrown:  # a new leaf: torch gives it no .grad, as zero_grad(set_to_none) does
            self.add_call(calls.zero_grad(regrown, set_to_none=True), stmt)

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
        keep = held_node_ids(self.every_frame())
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
        super().forget_node(node_id)  # its name is free for the next turn
        self.fresh_tensors.discard(node_id)
        self.changed_through.pop(node_id, None)
        self.storages.pop(node_id, None)


__all__ = ["PlainSteps"]
