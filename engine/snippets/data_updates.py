"""Numbers changed through `.data` and in-place methods of a leaf, read as torch computes
them: `w.data -= lr * w.grad`, `w.data = w.data - lr * w.grad`, `w.data.sub_(lr * w.grad)`,
`w.data[0] = 0.5`, `img.clamp_(0, 1)` under torch.no_grad(), and a layer's `.data` given new
numbers (or a tensor of another dtype) before anything used it. The new numbers go to
set_leaf_numbers, which training.py reads as a step (or as the leaf's start, before any
use)."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

import torch

from engine.snippets.kept_graphs import KeptGraphs
from engine.snippets.safety import error_at, raised_at, short_text
from engine.snippets.tables import dtype_name
from engine.snippets.values import Pending, Ref, Value

# In-place methods on `w.data` an update step uses, computed by torch on the numbers.
_DATA_METHODS = frozenset({"sub_", "add_", "mul_", "div_", "copy_", "zero_", "fill_",
                           "clamp_", "clamp_min_", "clamp_max_", "addcmul_", "addcdiv_",
                           "neg_", "abs_", "pow_", "sqrt_", "exp_", "lerp_", "sign_",
                           "sigmoid_", "tanh_", "relu_", "log_", "square_", "reciprocal_"})
_RANDOM_DATA_METHODS = frozenset({"normal_", "uniform_"})
# of those, the ones on a leaf itself under torch.no_grad() that no other reading takes
_LEAF_METHODS = frozenset({"clamp_", "clamp_min_", "clamp_max_", "addcmul_", "addcdiv_",
                           "lerp_", "sign_"})
_OPERATORS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.iadd, ast.Sub: operator.isub, ast.Mult: operator.imul,
    ast.Div: operator.itruediv, ast.Pow: operator.ipow}


class DataUpdates(KeptGraphs):
    def aug_assign(self, stmt: ast.AugAssign) -> None:
        target = stmt.target
        if not (isinstance(target, ast.Attribute) and target.attr == "data"):
            super().aug_assign(stmt)
            return
        leaf = self.updated_leaf(target, stmt)  # w.data -= lr * w.grad
        right = self.expr(stmt.value)
        numbers = self.concrete(leaf, stmt).clone()
        try:
            _OPERATORS[type(stmt.op)](numbers, self.plain_or_tensor(right, stmt))
        except KeyError:
            raise error_at(stmt, f"{short_text(stmt)}: this update is read with +=, -=, *=, "
                                 "/= and **=") from None
        except Exception as exc:  # noqa: BLE001 - torch's own words (shapes, dtypes)
            raise raised_at(stmt, exc) from None
        self.set_leaf_numbers(stmt, leaf, numbers, short_text(target))

    def assign(self, target: ast.expr, value: Value, stmt: ast.AST) -> None:
        if not (isinstance(target, ast.Attribute) and target.attr == "data"):
            super().assign(target, value, stmt)
            return
        leaf = self.updated_leaf(target, stmt)  # w.data = w.data - lr * w.grad
        old = self.concrete(leaf, stmt)
        numbers = self.plain_or_tensor(value, stmt)
        if isinstance(numbers, torch.Tensor) and numbers.dtype != old.dtype and \
                numbers.is_floating_point() and self.unused_leaf(leaf, stmt):
            # layer.weight.data = torch.tensor(..., dtype=float): torch swaps in the new
            # tensor whole (dtype and shape); nothing has used the old one yet
            node_id = self.node_of(leaf, stmt)
            self.doc.update_node(node_id, value=numbers.tolist(),
                                 dtype=dtype_name(numbers.dtype))
            self.values.pop(node_id, None)
            if isinstance(leaf, Pending):
                leaf.value, leaf.dtype = numbers.tolist(), dtype_name(numbers.dtype)
            return
        if not isinstance(numbers, torch.Tensor) or numbers.dtype != old.dtype:
            raise error_at(stmt, f"{short_text(stmt)}: .data is given a tensor of the same "
                                 f"dtype ({dtype_name(old.dtype)}) here, or of another "
                                 "floating dtype before anything uses it")
        self.set_leaf_numbers(stmt, leaf, numbers.clone(), short_text(target))

    def item_assign(self, target: ast.Subscript, value: Value, stmt: ast.AST) -> None:
        """`w.data[0] = 0.5` (or `w.data[1][0] = 0.5`, a view of a view written through)
        before any use or as a step after a backward: the leaf's new numbers, torch's item
        assignment on a copy."""
        slices: list[ast.expr] = []
        holder: ast.expr = target
        while isinstance(holder, ast.Subscript):
            slices.insert(0, holder.slice)
            holder = holder.value
        if not (isinstance(holder, ast.Attribute) and holder.attr == "data") or (
                isinstance(holder.value, ast.Attribute) and holder.value.attr == "grad"):
            super().item_assign(target, value, stmt)
            return
        leaf = self.expr(holder.value)
        if not (isinstance(leaf, Pending | Ref) and self.is_grad_leaf(leaf)) or not (
                self.unused_leaf(leaf, stmt) or self.backward_seen):
            # another tensor's memory (memory_writes.py), or a leaf a graph saved with no
            # backward since (inplace.py's replay)
            super().item_assign(target, value, stmt)
            return
        numbers = self.concrete(leaf, stmt).clone()
        try:
            places = numbers
            for key in [self.index_key(s) for s in slices[:-1]]:
                places = places[key]
            places[self.index_key(slices[-1])] = self.plain_or_tensor(value, stmt)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(stmt, exc) from None
        self.set_leaf_numbers(stmt, leaf, numbers, short_text(holder))

    def unused_leaf(self, leaf: Pending | Ref, stmt: ast.AST) -> bool:
        """A leaf nothing has used and no backward has seen: its numbers are only its start."""
        return not (self.doc.out_edges(self.node_of(leaf, stmt)) or self.backward_seen)

    def expression_statement(self, node: ast.expr) -> None:
        calls = _data_chain(node)
        if not calls:
            super().expression_statement(node)
            return
        self.data_method(calls, calls[0].func.value)  # type: ignore[attr-defined]

    def data_method(self, calls: list[ast.Call], data: ast.Attribute) -> None:
        """`w.data.sub_(lr * w.grad)`, and the methods chained on what it returns (w.data
        again): one update of the leaf's numbers."""
        for node in calls:
            assert isinstance(node.func, ast.Attribute)
            if node.func.attr not in _DATA_METHODS | _RANDOM_DATA_METHODS:
                raise error_at(node, f"{short_text(node)} changes .data in place: an update "
                                     f"step is read with {', '.join(sorted(_DATA_METHODS))}")
        self.leaf_method(self.updated_leaf(data, calls[0]), calls, short_text(data))

    def tensor_method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        """`img.clamp_(0, 1)` under torch.no_grad() on a leaf requiring grad (the neural
        style tutorial's closure) changes the leaf's numbers as `img.data.clamp_(0, 1)` does;
        add_/sub_/mul_... are read as `img -= ...` (inplace.py)."""
        if attr in _LEAF_METHODS and not self.grad_enabled and \
                isinstance(receiver, Pending | Ref) and self.is_grad_leaf(receiver):
            holder = node.func.value if isinstance(node.func, ast.Attribute) else node
            self.leaf_method(receiver, [node], short_text(holder))
            return receiver
        return super().tensor_method(receiver, attr, node)

    def leaf_method(self, leaf: Pending | Ref, calls: list[ast.Call], label: str) -> None:
        """The leaf's new numbers: torch's in-place methods, in turn, on a copy of them."""
        numbers = self.concrete(leaf, calls[0]).clone()
        for node in calls:
            assert isinstance(node.func, ast.Attribute)
            method = node.func.attr
            args, kwargs = self.arguments(node)
            plain_args = [self.plain_or_tensor(a, node) for a in args]
            plain_kwargs = {k: self.plain_or_tensor(v, node) for k, v in kwargs.items()}
            if method in _RANDOM_DATA_METHODS:
                plain_kwargs["generator"] = self.generator  # the snippet's manual_seed
            try:
                getattr(numbers, method)(*plain_args, **plain_kwargs)
            except Exception as exc:  # noqa: BLE001 - torch's own words
                raise raised_at(node, exc) from None
        self.set_leaf_numbers(calls[-1], leaf, numbers, label)

    def updated_leaf(self, target: ast.Attribute, where: ast.AST) -> Pending | Ref:
        """`w` of `w.data`: a leaf that requires grad, or a refusal."""
        holder = self.expr(target.value)
        if isinstance(holder, Pending | Ref) and self.is_grad_leaf(holder):
            return holder
        raise error_at(where, f"{short_text(where)} changes .data of a tensor that is no leaf "
                              "requiring grad: memory shared behind autograd's back, outside "
                              "the computation Gradflow reads")

    def plain_or_tensor(self, value: Value, where: ast.AST) -> Any:
        if isinstance(value, Pending | Ref):
            return self.concrete(value, where)
        return self.plain(value, where)


def _data_chain(node: ast.expr) -> list[ast.Call]:
    """The in-place calls of `w.data.mul_(0.5).add_(1)`, first to last; [] for any other
    statement (and for `w.grad.data.zero_()`, a .grad's)."""
    calls: list[ast.Call] = []
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr.endswith("_"):
        calls.insert(0, node)
        node = node.func.value
    if not calls or not (isinstance(node, ast.Attribute) and node.attr == "data") or (
            isinstance(node.value, ast.Attribute) and node.value.attr == "grad"):
        return []
    return calls
