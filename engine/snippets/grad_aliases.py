"""A name bound to a leaf's `.grad` itself (`gradient = weight.grad`) is that tensor while it
lasts: torch's `.grad` is one tensor that later backward calls add into and `zero_()` zeroes,
so until the name is bound again, the leaf is, or its `.grad` is set to None (a new tensor
comes then), every read of the name is a read of `weight.grad` and is read as one. So an
update written with it (`weight.data = weight.data - lr * gradient.data`) is the training
step it is, and a print of it shows what torch's does.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from typing import Any

from engine import calls
from engine.snippets.memory_writes import MemoryWrites
from engine.snippets.values import Pending, Ref, Value


@dataclass
class _Alias:
    answer: Value  # what the name was bound to: the alias lasts while it still is
    holder: str  # the name of the leaf whose .grad it is
    leaf: str  # that leaf's node id
    calls: int  # the calls made when it was bound
    read: ast.expr  # what the name reads: `w.grad`, or a part of it (`w.grad.data[0]`)
    # numpy's item of it (`g = w.grad.numpy(); a = g[0]`) may be a copy: the .grad's numbers
    # only until the next call
    copied: bool = False


class GradAliases(MemoryWrites):  # first in the importer's chain: it rewrites statements
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grad_aliases: dict[str, _Alias] = {}

    def reading_grad(self, stmt: ast.stmt, exc: Any) -> None:
        super().reading_grad(stmt, exc)
        for name, leaf_name, read in _grads_of(stmt):
            leaf = self.env.get(leaf_name)
            if isinstance(leaf, Pending | Ref) and leaf.node_id is not None and \
                    self.doc.node(leaf.node_id).op == "leaf" and name in self.env:
                self.grad_aliases[name] = _Alias(self.env[name], leaf_name, leaf.node_id,
                                                 len(self.program), read, _copied(read))

    def statement(self, stmt: ast.stmt) -> None:
        live = {name: alias for name, alias in self.grad_aliases.items() if self.lasts(alias,
                                                                                        name)}
        self.grad_aliases = live
        if live and isinstance(stmt, ast.Assign | ast.AugAssign | ast.Expr) and any(
                isinstance(n, ast.Name) and n.id in live and isinstance(n.ctx, ast.Load)
                for n in ast.walk(stmt)):
            stmt = _Reads(live).visit(copy.deepcopy(stmt))
        super().statement(stmt)

    def lasts(self, alias: _Alias, name: str) -> bool:
        holder = self.env.get(alias.holder)
        if self.env.get(name) is not alias.answer or not isinstance(holder, Pending | Ref) \
                or holder.node_id != alias.leaf:
            return False
        if alias.copied and len(self.program) != alias.calls:
            return False
        return not any(c.kind == calls.ZERO_GRAD and c.set_to_none and (
            c.leaves is None or alias.leaf in c.leaves) for c in self.program[alias.calls:])


class _Reads(ast.NodeTransformer):
    """Each read of an alias name becomes a read of `<leaf>.grad`."""

    def __init__(self, aliases: dict[str, _Alias]) -> None:
        self.aliases = aliases

    def visit_Name(self, node: ast.Name) -> ast.AST:  # noqa: N802 - ast's own name
        alias = self.aliases.get(node.id)
        if alias is None or not isinstance(node.ctx, ast.Load):
            return node
        read = copy.deepcopy(alias.read)
        for part in ast.walk(read):  # placed where the name is read
            ast.copy_location(part, node)
        return read


def _grads_of(stmt: ast.stmt) -> list[tuple[str, str, ast.expr]]:
    """(name, leaf name, what the name reads) of `name = leaf.grad`, `name = leaf.grad.data`,
    `leaf.grad.detach()`, `leaf.grad.numpy()` (the same memory) or `name = leaf.grad.data[0]`
    (a view of it, at written places); each pair of `a, b = g[0], g[1]`."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
        return []
    target = stmt.targets[0]
    if isinstance(target, ast.Tuple) and isinstance(stmt.value, ast.Tuple) and \
            len(target.elts) == len(stmt.value.elts):
        pairs = list(zip(target.elts, stmt.value.elts, strict=True))
    else:
        pairs = [(target, stmt.value)]
    found = [(name.id, *of) for name, value in pairs
             if isinstance(name, ast.Name) and (of := _grad_of(value)) is not None]
    return found if len(found) == len(pairs) else []


def _grad_of(whole: ast.expr) -> tuple[str, ast.expr] | None:
    value = whole
    while isinstance(value, ast.Subscript) and all(
            isinstance(n, ast.Constant | ast.Slice | ast.Tuple | ast.UnaryOp | ast.USub |
                       ast.Load) for n in ast.walk(value.slice)):
        value = value.value
    while True:
        if isinstance(value, ast.Attribute) and value.attr == "data":
            value = value.value
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and \
                _same_memory(value):
            value = value.func.value
        else:
            break
    if isinstance(value, ast.Attribute) and value.attr == "grad" and \
            isinstance(value.value, ast.Name):
        return value.value.id, whole if isinstance(whole, ast.Subscript | ast.Call) else value
    return None


def _copied(read: ast.expr) -> bool:
    """An item of numpy's array is numpy's own number, a copy."""
    return isinstance(read, ast.Subscript) and any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and
        n.func.attr == "numpy" for n in ast.walk(read))


def _same_memory(node: ast.expr) -> bool:
    """`.detach()`, `.numpy()`, `.cpu()` (of a tensor on the CPU) without arguments: torch
    gives the same memory, which a later backward adds into."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
        node.func.attr in ("detach", "numpy", "cpu") and not node.args and not node.keywords


__all__ = ["GradAliases"]
