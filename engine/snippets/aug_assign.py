"""Augmented assignment: `y += 1`, `vec[i] -= g`, `self.w -= lr * self.w.grad`, `total +=
loss.item()`, `items += [x]`. A tensor is updated in place as torch does it: every name for
it sees the change, and torch's version counter follows it (inplace.py); a leaf requiring
grad raises torch's error, or under torch.no_grad() gets new numbers (program.py)."""

from __future__ import annotations

import ast
import re
from typing import Any

from engine.snippets.display_lines import DisplayLines
from engine.snippets.expressions import STALE
from engine.snippets.safety import error_at, leaf_in_place_error, raised_at, short_text
from engine.snippets.values import Module, Pending, Py, Ref, Value


class AugAssignReader(DisplayLines):
    def aug_assign(self, stmt: ast.AugAssign) -> None:
        if isinstance(stmt.target, ast.Subscript):  # vec[i] += 1: read, compute, set back
            target = stmt.target
            current, right = self.expr(target), self.expr(stmt.value)
            self.leaf_item_update(target, stmt)  # torch's refusal on a leaf, in its words
            updated = self.binop(stmt.op, current, right, stmt)
            self.item_assign(target, updated, stmt)
            return
        if isinstance(stmt.target, ast.Attribute) and (stmt.target.attr not in ("grad", "data")
                                                       or self.plain_object(stmt.target.value)):
            self.attribute_aug_assign(stmt, stmt.target)
            return
        if not isinstance(stmt.target, ast.Name):
            raise error_at(stmt, f"the in-place update of {short_text(stmt.target)} is a training "
                                 "step (an update of a tensor in place), outside the "
                                 "computation Gradflow reads"
                           if isinstance(stmt.target, ast.Attribute) else
                           "in-place updates are supported only on plain names")
        current = self.lookup(stmt.target)
        right = self.expr(stmt.value)
        if isinstance(current, Py) and isinstance(current.value, list) and isinstance(
                stmt.op, ast.Add):
            current.value.extend(self.items(right, stmt))
            return
        if isinstance(current, Pending | Ref) and self.is_grad_leaf(current):
            if self.grad_enabled:
                raise raised_at(stmt, leaf_in_place_error())
            self.set_leaf_in_place(stmt, current, right)
            return
        if self.detached_in_place(stmt, stmt.op, current, right):
            return
        result = self.binop(stmt.op, current, right, stmt)
        if isinstance(current, Pending) and current.no_graph and STALE in current.no_graph:
            # numbers of a finished training step (`total += loss`): no graph to version
            for name, bound in list(self.env.items()):
                if bound is current:
                    self.env[name] = result
        else:
            self.in_place(stmt, stmt.op, current, right, result)
        if isinstance(current, Pending | Ref) and isinstance(result, Pending | Ref) and \
                not (isinstance(current, Pending) and current.no_graph):
            self.relabel(current, result, stmt)  # in place: every name for it sees the change
        self.bind(stmt.target.id, result, stmt)

    def plain_object(self, node: ast.expr) -> bool:
        """A name holding an object of a plain class of the snippet's (a micrograd Value,
        whose .grad and .data are its own attributes, not a tensor's)."""
        held = self.env.get(node.id) if isinstance(node, ast.Name) else None
        return isinstance(held, Py) and isinstance(held.value, Module) and \
            held.value.cls is not None and bool(held.value.cls.plain)

    def attribute_aug_assign(self, stmt: ast.AugAssign, target: ast.Attribute) -> None:
        """`self.w -= lr * self.w.grad`, `self.steps += 1`: the update a name would get, of
        what the attribute holds; the attribute then holds the result."""
        hidden = re.sub(r"\W", "_", ast.unparse(target))  # self.w: the name self_w
        while hidden in self.env:  # (not one the script uses)
            hidden += "_"
        before = self.expr(target)
        self.env[hidden] = before
        try:
            self.aug_assign(ast.copy_location(ast.AugAssign(
                ast.copy_location(ast.Name(hidden, ast.Store()), target), stmt.op,
                stmt.value), stmt))
            after = self.env[hidden]
        finally:
            self.env.pop(hidden, None)
        if after is not before:
            self.assign(target, after, stmt)

    def detached_in_place(self, stmt: ast.AST, op: ast.operator, current: Value,
                          right: Value) -> bool:
        return False  # inplace.py

    def in_place(self, stmt: ast.AST, op: ast.operator | None, current: Value, right: Value,
                 result: Value, key: Any = None, method_name: str | None = None) -> None:
        """The program reader replays it on torch's version counter (inplace.py)."""

    def leaf_item_update(self, target: ast.Subscript, stmt: ast.AST) -> None:
        """inplace.py: `c[:] += 1` on a leaf that requires grad raises."""

    def set_leaf_in_place(self, stmt: ast.AugAssign, leaf: Pending | Ref, right: Value) -> None:
        raise NotImplementedError  # the program reader: a leaf's new numbers, or a refusal


def data_of_a_view(stmt: ast.AugAssign) -> ast.AugAssign:
    """`x[0].data *= 0.0` as `x.data[0] *= 0.0`: a basic index is a view sharing x's memory,
    so both change x's element in place (an advanced index would change a copy)."""
    target = stmt.target
    if not (isinstance(target, ast.Attribute) and target.attr == "data" and
            isinstance(target.value, ast.Subscript) and _basic(target.value.slice)):
        return stmt
    view = target.value
    data = ast.copy_location(ast.Attribute(value=view.value, attr="data", ctx=ast.Load()),
                             target)
    moved = ast.copy_location(ast.Subscript(value=data, slice=view.slice, ctx=ast.Store()),
                              target)
    return ast.copy_location(ast.AugAssign(target=moved, op=stmt.op, value=stmt.value), stmt)


def _basic(key: ast.expr) -> bool:
    """Integers written out and slices: an index torch answers with a view."""
    parts = key.elts if isinstance(key, ast.Tuple) else [key]
    return all(isinstance(p, ast.Slice) or isinstance(p, ast.Constant) and type(p.value) is int
               or isinstance(p, ast.UnaryOp) and isinstance(p.op, ast.USub) and isinstance(
                   p.operand, ast.Constant) and type(p.operand.value) is int for p in parts)

