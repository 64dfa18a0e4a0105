"""Indexing: `x[0, 1:3]`, `p[[0, 1], y]`, `x[x > 0]`, and subscripts of Python lists,
tuples, `nn.Sequential` and nn.ParameterList/Dict.

A tensor that carries a gradient is indexed by the registry's `index` op (its backward is
torch's own); one that does not is indexed on its concrete values and comes back as a
constant. torch decides whether a key fits, on the tensor's shape, and its words are quoted.
"""

from __future__ import annotations

import ast
from typing import Any

import torch

from engine.ops import format_index
from engine.snippets import module_dicts, param_containers
from engine.snippets.param_containers import PARAM_CONTAINERS
from engine.snippets.safety import error_at, raised_at
from engine.snippets.valuecalls import ValueCalls
from engine.snippets.values import Module, Number, Pending, Py, Ref, Value


class IndexingCalls(ValueCalls):
    def subscript(self, node: ast.Subscript) -> Value:
        return self.subscript_of(self.expr(node.value), node)

    def subscript_of(self, base: Value, node: ast.Subscript) -> Value:
        """`base[...]` of the value the subscript's base already read to."""
        key = self.dict_key(self.expr(node.slice), node) if isinstance(base, Py) and \
            isinstance(base.value, dict) else self.index_key(node.slice)
        if isinstance(base, Py) and isinstance(base.value, Module) and \
                base.value.kind in PARAM_CONTAINERS:
            return param_containers.pick(base.value, key, node)
        if isinstance(base, Py) and isinstance(base.value, Module) and \
                base.value.kind == "ModuleDict":
            return module_dicts.pick(base.value, key, node)
        if isinstance(base, Py) and isinstance(base.value, Module):
            try:
                found = base.value.children[key]
                if isinstance(found, list):  # a slice is a container of the same kind
                    return Py(Module(base.value.kind, children=found))
                return Py(found)
            except Exception as exc:  # noqa: BLE001 - Python's own words
                raise raised_at(node, exc) from None
        if isinstance(base, Py):
            try:
                found = base.value[key]
            except Exception as exc:  # noqa: BLE001 - Python's own words
                raise raised_at(node, exc) from None
            return Py(found) if isinstance(found, list | tuple) and not isinstance(
                base.value, range) else found if isinstance(
                    found, Number | Pending | Ref | Py) else self.wrap(found, node)
        if isinstance(base, Number):
            raise raised_at(node, TypeError(f"'{type(base.value).__name__}' object is not "
                                            "subscriptable"))
        return self.index_value(base, key if isinstance(key, tuple) else (key,), node)

    def index_key(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Tuple):
            return tuple(self.index_key(e) for e in node.elts)
        if isinstance(node, ast.Slice):
            parts = [None if p is None else self.plain(self.expr(p), node)
                     for p in (node.lower, node.upper, node.step)]
            return slice(*parts)
        value = self.expr(node)
        if isinstance(value, Py) and value.value is Ellipsis:
            return Ellipsis
        if isinstance(value, Pending | Ref):
            return self.concrete(value, node)
        plain = self.plain(value, node)
        if isinstance(value, Py) and isinstance(value.value, tuple):
            return tuple(plain)  # x[idx] of idx = (0, 1) is x[0, 1], as Python passes it
        # x[range(n), y] (the nn tutorial's nll): torch takes a range as its integer list
        return list(plain) if isinstance(plain, range) else plain

    def index_value(self, value: Value, key: tuple[Any, ...], where: ast.AST) -> Value:
        graph = self.needs_grad(value) and self.grad_enabled
        meta = self.meta.get(value.node_id) if isinstance(value, Ref) else None
        # the shape alone tells whether the key fits: no need to compute the values
        t = meta if graph and isinstance(meta, torch.Tensor) else self.concrete(value, where)
        try:  # t[0], not t[(0,)]: torch words their errors apart (a 0-dim tensor's)
            picked = t[key[0]] if len(key) == 1 else t[key]
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(where, exc) from None
        if not graph:
            made = self.from_tensor(picked, where)
            if picked._is_view() and isinstance(value, Pending | Ref):
                made.view_of = value  # b = a[0]: torch's b shares a's memory
            return made
        text = format_index(key)
        if text is None:
            raise error_at(where, "indexing a tensor that requires grad is read with integers, "
                                  "slices, integer lists or tensors and boolean masks, e.g. "
                                  "x[0, 1:3], p[[0, 1], y] or x[x > 0]")
        return self.op_node("index", [value], {"index": text}, where)
