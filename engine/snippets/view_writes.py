"""A write into a plain tensor through a view made on the spot: `x_p.view(-1)[i] += eps`,
`grad.view(-1)[i] = ...` (the finite-difference gradient check), `a.reshape(3, 2)[0] = 7.`.

Torch writes into x_p's own memory. When neither x_p nor the value carries a gradient, and
x_p is a tensor of its own (not itself a view of another), that is x_p with new numbers: the
same view is made on a copy of x_p's numbers (same strides: a reshape that torch has to copy
writes into the copy, as in torch), the places are set, and every name of x_p then means those
numbers, with torch's version counter followed as for `x_p[...] = ...` (inplace.py). A named
view (`flat = x_p.view(-1); flat[i] += 1`) and a tensor that carries a gradient stay refused.
"""

from __future__ import annotations

import ast
from collections import ChainMap
from typing import Any

import torch

from engine.ops import CONSTANT, LEAF
from engine.snippets.inplace import VIEW_OPS, InPlaceReader, basic_index, plain_path
from engine.snippets.safety import raised_at
from engine.snippets.values import Number, Pending, Ref, Value

_VIEW_METHODS = ("view", "view_as", "reshape", "reshape_as", "flatten")
# attributes that are views themselves (x.T[0].add_(1) writes through a view of a view)
_VIEWING = ("T", "mT", "H", "mH")
# calls whose tensor has memory of its own (torch.as_tensor and from_numpy may share theirs)
_CREATIONS = frozenset({"tensor", "zeros", "ones", "full", "empty", "arange", "linspace",
                        "logspace", "eye", "rand", "randn", "randint", "randperm", "zeros_like",
                        "ones_like", "full_like", "empty_like", "rand_like", "randn_like",
                        "randint_like", "clone", "FloatTensor", "DoubleTensor", "Tensor"})
# ops whose result may share the memory of their input (a view, or the input itself)
ALIASING = (*VIEW_OPS, "expand", "permute", "contiguous", "to", CONSTANT, LEAF)


class ViewWrites(InPlaceReader):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.own_numbers: dict[int, Value] = {}  # the new numbers of a write through a view

    def tensor_item_assign(self, target: ast.Subscript, base: Pending | Ref, value: Value,
                           stmt: ast.AST) -> None:
        before = dict(self.storages)
        made = target.value
        if isinstance(made, ast.Call) and isinstance(made.func, ast.Attribute) and \
                made.func.attr in _VIEW_METHODS:
            viewed = self.expr(made.func.value)
            if self.plain_tensor(viewed) and not self.needs_grad(value):
                assert isinstance(viewed, Pending | Ref)
                self.write_through(made, viewed, target, value, stmt)
                self.updated_a_view(stmt, target, before)
                return
        super().tensor_item_assign(target, base, value, stmt)
        self.updated_a_view(stmt, target, before)

    def updated_a_view(self, stmt: ast.AST, target: ast.Subscript,
                       before: dict[str, Any]) -> None:
        """`a[0] += 1` is two in-place steps in torch when a[0] is a view (ints, slices):
        the += on the view, then setting it back; each counts in a's version, which an op
        that saved a names in its error ("is at version 2")."""
        if not isinstance(stmt, ast.AugAssign) or not basic_index(self.index_key(target.slice)):
            return
        changed = {id(s): s for k, s in self.storages.items() if before.get(k) is not s}
        for storage in changed.values():
            torch.autograd.graph.increment_version(storage.tensor)

    def plain_tensor(self, value: Value) -> bool:
        """A tensor without gradient whose memory is its own (no view of another): made by
        a creation call or .clone(), an op's result, or numbers written this way before."""
        if not isinstance(value, Pending | Ref) or self.needs_grad(value):
            return False
        if isinstance(value, Pending):
            origin = value.origin.func if isinstance(value.origin, ast.Call) else None
            made_by = origin.attr if isinstance(origin, ast.Attribute) else \
                origin.id if isinstance(origin, ast.Name) else None
            return made_by in _CREATIONS or id(value) in self.own_numbers
        if value.node_id is None:
            return False
        return value.node_id in self.fresh_tensors or \
            self.doc.node(value.node_id).op not in ALIASING

    def write_through(self, made: ast.Call, viewed: Pending | Ref, target: ast.Subscript,
                      value: Value, stmt: ast.AST) -> None:
        assert isinstance(made.func, ast.Attribute)
        args, kwargs = self.arguments(made)

        def given(v: Value) -> Any:
            return self.concrete(v, made) if isinstance(v, Pending | Ref) else \
                self.plain(v, made)

        numbers = self.concrete(viewed, stmt).clone()
        key = self.index_key(target.slice)
        try:
            view = getattr(numbers, made.func.attr)(*map(given, args),
                                                    **{k: given(v) for k, v in kwargs.items()})
            view[key] = self.concrete(value, stmt)
        except Exception as exc:  # noqa: BLE001 - torch's own words (shapes, index, dtype)
            raise raised_at(stmt, exc) from None
        written = self.set_places(target, viewed, (Ellipsis,), self.from_tensor(numbers, stmt),
                                  stmt)
        self.own_numbers[id(written)] = written  # kept alive: its id names it alone

    def method_through_index(self, receiver: Value, attr: str, node: ast.Call) -> Value | None:
        """`w[7:].clamp_(0)`, `w[:2].mul_(2)`, `w[2:].copy_(v)`, `h[0].zero_()`: torch
        writes the view's new numbers into w. Read as `w[key] = w[key].clamp(0)` of the same
        key (integers, slices, None, ...: a view), which gives torch's numbers, its version
        count and, where a graph runs through w, its gradients. An advanced index (a list, a
        tensor) gives a copy that the write leaves w without: not read here. None when the
        call is not of this form."""
        target = node.func.value if isinstance(node.func, ast.Attribute) else None
        if not isinstance(target, ast.Subscript) or not plain_path(target.value) or \
                isinstance(target.value, ast.Attribute) and target.value.attr in _VIEWING or \
                not isinstance(receiver, Pending | Ref) or not basic_index(
                    self.index_key(target.slice)) or not (
                    attr in ("zero_", "fill_", "copy_") or hasattr(torch.Tensor, attr[:-1])):
            return None
        base = self.expr(target.value)
        if self.grad_enabled and isinstance(base, Pending | Ref) and self.is_grad_leaf(base):
            return None  # torch's error for a view of a leaf (tensorcalls.py)
        args, kwargs = self.arguments(node)

        def given(v: Value) -> Any:
            return self.concrete(v, node) if isinstance(v, Pending | Ref) else \
                self.plain(v, node)

        try:  # torch's own checks (shapes, a float into an integer tensor) on the numbers
            view = self.concrete(base, node).detach().clone()[self.index_key(target.slice)]
            getattr(view, attr)(*map(given, args), **{k: given(v) for k, v in kwargs.items()})
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        if isinstance(receiver, Ref) and receiver.node_id is not None and \
                not self.doc.out_edges(receiver.node_id) and \
                self.doc.node(receiver.node_id).op == "index":
            self.forget_node(receiver.node_id)  # the view read first: the write reads again
        if attr == "zero_":
            value: Value = Number(0)
        elif attr in ("fill_", "copy_"):
            value = args[0]
        else:  # torch's in-place op saves what its backward needs of the view as it was
            # (original_self), not the view the write then changes: a copy's method
            copied = self.grad_enabled and self.needs_grad(base)
            value = self.out_of_place(target, attr[:-1], args, kwargs, node, copied)
        self.item_assign(target, value, node)
        return self.expr(target)

    def out_of_place(self, target: ast.Subscript, method: str, args: list[Value],
                     kwargs: dict[str, Value], node: ast.Call, copied: bool) -> Value:
        """target.method(*args, **kwargs) (of target.clone() when copied) of arguments
        already read (read once, as Python does: a random argument is drawn once)."""
        names = {f"_arg{i}": v for i, v in enumerate(args)}
        names.update({f"_kw_{k}": v for k, v in kwargs.items()})
        source: ast.expr = ast.Call(ast.Attribute(target, "clone", ast.Load()), [], []) \
            if copied else target
        call = ast.Call(func=ast.Attribute(source, method, ast.Load()),
                        args=[ast.Name(f"_arg{i}", ast.Load()) for i in range(len(args))],
                        keywords=[ast.keyword(k, ast.Name(f"_kw_{k}", ast.Load()))
                                  for k in kwargs])
        for part in ast.walk(call):
            ast.copy_location(part, node)
        saved = self.env
        self.env = ChainMap(names, saved)
        try:
            return self.expr(call)
        finally:
            self.env = saved


__all__ = ["ViewWrites"]
