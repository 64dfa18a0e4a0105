"""Writes through a detached tensor: `d = c.detach(); d += 1` or `d[0] = 2.` changes c's
numbers too, since the two share memory but not the graph. While c is a tensor of numbers
that nothing but detach() has used, c simply starts with the new numbers; a computed c gets
an `overwritten` node (the new numbers under its unchanged gradient) and torch's version
counter of the shared memory is followed as for any in-place update (inplace.py)."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import torch

from engine.ops import CONSTANT, LEAF, NUMBER
from engine.snippets.safety import raised_at
from engine.snippets.storage_replay import StorageReplay
from engine.snippets.values import Pending, Ref, Value

# `y op= v`: the tensor method torch runs for it
IN_PLACE_METHODS_OF = {ast.Add: "add_", ast.Sub: "sub_", ast.Mult: "mul_", ast.Div: "div_",
                       ast.Pow: "pow_"}
VIEW_OPS = ("index", "reshape", "transpose", "detach")


class DetachedWrites(StorageReplay):
    def in_place(self, stmt: ast.AST, op: ast.operator | None, current: Value, right: Value,
                 result: Value, key: Any = None, method_name: str | None = None,
                 unary: tuple[str, dict[str, Any]] | None = None) -> None:
        raise NotImplementedError  # inplace.py

    def sole_detach(self, node_id: str) -> bool:
        """`m = torch.softmax(z, 1).detach(); m[i, t] -= 1`: a detach of a tensor nothing
        else uses; what it changes is then seen through it alone."""
        node = self.doc.node(node_id)
        if node.op != "detach":
            return False
        source = self.doc.in_edges(node_id)["input"].source
        if len(self.doc.out_edges(source)) != 1 or self.doc.node(source).is_output:
            return False
        self.changed_through[source] = node.name  # a later use would see other numbers
        return True

    def sole_view(self, node_id: str) -> bool:
        """`jac = x.new_zeros(n * m).reshape(n, m); jac[i] = row`: a view of a tensor
        without gradient that nothing else uses and no name holds; what it changes is then
        seen through it alone."""
        node = self.doc.node(node_id)
        if node.op not in ("reshape", "transpose") or self.node_needs_grad(node_id):
            return False
        from engine.snippets.held import held_node_ids  # it knows optimizers: read later

        source = self.doc.in_edges(node_id)["input"].source
        return len(self.doc.out_edges(source)) == 1 and not self.doc.node(source).is_output \
            and source not in held_node_ids(self.every_frame())

    def detached_in_place(self, stmt: ast.AST, op: ast.operator, current: Value,
                          right: Value) -> bool:
        """`d = c.detach(); d += 1` changes c's numbers too (they share memory). While c is
        a tensor of numbers nothing but detach() has used, c simply starts with the new
        numbers, as the plain script's c has them by the time anything uses it."""
        if not isinstance(current, Pending | Ref) or current.node_id is None or \
                self.doc.node(current.node_id).op != "detach":
            return False
        source = self.doc.in_edges(current.node_id)["input"].source
        method = IN_PLACE_METHODS_OF.get(type(op))
        if method is not None and self.doc.node(source).op not in (LEAF, CONSTANT, *VIEW_OPS):
            self.through_detach(stmt, method, current, source, right)
            return True
        if method is None:
            return False
        return self.renumber_detached_leaf(
            stmt, current, lambda numbers: getattr(numbers, method)(self.concrete(right, stmt)))

    def renumber_detached_leaf(self, stmt: ast.AST, current: Value,
                               change: Callable[[torch.Tensor], object]) -> bool:
        """`d = c.detach(); d[0] = 2.` (or `d += 1`) changes c's numbers too (they share
        memory). While c is a tensor of numbers nothing but detach() has used, c simply
        starts with the new numbers, as the plain script's c has them by the time anything
        uses it. False (nothing done) for any other tensor."""
        if not isinstance(current, Pending | Ref) or current.node_id is None or \
                self.doc.node(current.node_id).op != "detach":
            return False
        source = self.doc.in_edges(current.node_id)["input"].source
        held = self.doc.node(source)
        users = [self.doc.node(e.target) for e in self.doc.out_edges(source)]
        if held.op not in (LEAF, CONSTANT) or held.params.get(NUMBER) or \
                any(u.op != "detach" for u in users):
            return False
        numbers = self.evaluate(source, stmt).detach().clone()
        try:
            change(numbers)
        except (RuntimeError, IndexError, TypeError) as exc:  # torch's own words
            raise raised_at(stmt, exc) from None
        self.doc.update_node(source, value=numbers.tolist())
        for node_id in [source, *(u.id for u in users)]:
            self.values.pop(node_id, None)
        for bound in self.env.values():
            if isinstance(bound, Pending) and bound.node_id == source:
                bound.value = numbers.tolist()
        return True

    def through_detach(self, stmt: ast.AST, method: str, detached: Pending | Ref, source: str,
                       right: Value) -> Value:
        """`z = y.detach(); z *= 3` (or `z.copy_(v)`) of a computed y: y's numbers change
        under its unchanged gradient (they share memory, not the graph). Every name of y then
        means an `overwritten` node (y with the new numbers, its gradient passed through),
        every name of z its detach, and torch's version counter of the shared memory is
        followed as for `y *= 3`: an op that saved y raises at the backward."""
        numbers = self.evaluate(source, stmt).detach().clone()
        try:
            getattr(numbers, method)(self.concrete(right, stmt))
        except RuntimeError as exc:
            raise raised_at(stmt, exc) from None
        held = Ref(source)
        new = self.op_node("overwritten", [held, self.from_tensor(numbers, stmt)], {}, stmt)
        enabled, self.grad_enabled = self.grad_enabled, False  # torch records no op for it
        try:
            self.in_place(stmt, None, held, self.from_tensor(numbers, stmt), new, key=...)
        finally:
            self.grad_enabled = enabled
        self.relabel(held, new, stmt)
        return self.relabel(detached, self.op_node("detach", [new], {}, stmt), stmt)

