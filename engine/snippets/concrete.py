"""Concrete values of a snippet's tensors, for the places Python needs them while reading.

The graph is built from shapes alone (meta tensors), but control flow needs numbers: `while
y.norm() < 1000`, `for v in x`, `if loss.item() > 0`, and `with torch.no_grad():` makes
plain values. Those evaluate the nodes involved with real torch, on demand and once per node,
with grad off (the values equal the graph's). torch's errors become `TorchRaised` at the
statement, with torch's own text, as the plain script would raise them.
"""

from __future__ import annotations

import ast
from typing import Any

import torch

from engine.grad_op import GRAD_OP
from engine.limits import VALUE_ELEMENTS
from engine.ops import CONSTANT, LEAF, NUMBER, get_op
from engine.pure_forward import graph_value
from engine.snippets.safety import error_at, raised_at, short_text
from engine.snippets.tables import TORCH_DTYPES, CreationError, dtype_name
from engine.snippets.torchcalls import TorchCallReader
from engine.snippets.values import (
    BoundTensorMethod,
    Number,
    Pending,
    Py,
    Ref,
    TensorKey,
    Value,
    numbers_in,
)


class ConcreteReader(TorchCallReader):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.values: dict[str, Any] = {}  # node id → torch tensor or Python number
        self.grad_memo: dict[str, bool] = {}
        # nodes torch differentiates by while a jacobian's f is read: they require grad there
        self.differentiated: set[str] = set()
        # a gradient kept as a graph: whether torch's answer requires grad (graph_numbers)
        self.graph_requires: dict[str, bool] = {}

    # ---- values ---------------------------------------------------------------------------
    def concrete(self, value: Value, where: ast.AST) -> Any:
        """The value as plain torch/Python: a tensor, a number, a list, None..."""
        if isinstance(value, Number):
            return value.value
        if isinstance(value, Pending):
            if value.node_id is not None:
                return self.evaluate(value.node_id, where)
            return torch.tensor(value.value, dtype=TORCH_DTYPES[value.dtype])
        if isinstance(value, Ref):
            return self.evaluate(value.node_id, where)
        if isinstance(value.value, list | tuple):
            items = [self.concrete(v, where) for v in value.value]
            return items if isinstance(value.value, list) else tuple(items)
        if isinstance(value.value, BoundTensorMethod):  # y = x.detach: a method of Python's
            return getattr(torch.empty(0), value.value.attr)  # type, for its errors (y + 1)
        return value.value

    def evaluate(self, node_id: str, where: ast.AST) -> Any:
        """A node's value, computing its unevaluated ancestors first (no recursion)."""
        stack = [node_id]
        while stack:
            current = stack[-1]
            if current in self.values:
                stack.pop()
                continue
            node = self.doc.node(current)
            if node.op in (LEAF, CONSTANT):
                if node.params.get(NUMBER):
                    self.values[current] = node.value
                else:
                    self.values[current] = torch.tensor(node.value,
                                                        dtype=TORCH_DTYPES[node.dtype])
                stack.pop()
                continue
            if node.op == GRAD_OP:  # it differentiates: computed with grad on, from scratch
                self.values[current] = self.graph_numbers(current, where)
                stack.pop()
                continue
            spec = get_op(node.op)
            edges = self.doc.in_edges(current)
            sources = [edges[port].source for port in spec.inputs]
            missing = [s for s in sources if s not in self.values]
            if missing:
                stack.extend(missing)
                continue
            try:
                with torch.no_grad():
                    self.values[current] = spec.call(*(self.values[s] for s in sources),
                                                     **node.params)
            except Exception as exc:  # noqa: BLE001 - torch's error, at this statement
                raise raised_at(where, exc) from None
            stack.pop()
        return self.values[node_id]

    def graph_numbers(self, node_id: str, where: ast.AST) -> Any:
        """A gradient kept as a graph (engine/grad_op.py), computed by torch with autograd
        on; whether torch's answer requires grad is kept too (a gradient of a linear function
        does not, and torch refuses to differentiate it again)."""
        try:
            answer = graph_value(self.doc, node_id)
        except Exception as exc:  # noqa: BLE001 - torch's error, at this statement
            raise raised_at(where, exc) from None
        self.graph_requires[node_id] = answer.requires_grad
        return answer.detach()

    def forget_node(self, node_id: str) -> None:
        super().forget_node(node_id)
        self.values.pop(node_id, None)
        self.grad_memo.pop(node_id, None)

    def carries_grad(self, value: Value) -> bool:
        return self.needs_grad(value)

    def fresh_leaf(self, value: Value, where: ast.AST, flag: bool) -> Pending:
        numbers = self.concrete(value, where)
        leaf = self.from_tensor(numbers, where, requires_grad=flag)
        if any(st == 0 and size > 1 for st, size in zip(numbers.stride(), numbers.shape,
                                                          strict=True)):
            leaf.overlapping = numbers.stride()
        self.leaves_pending.append(leaf)
        return leaf

    def needs_grad(self, value: Value) -> bool:
        """Whether the tensor requires grad, as `t.requires_grad` would say."""
        if isinstance(value, Pending):
            if value.node_id is None:
                return bool(value.requires_grad)
            return self.node_needs_grad(value.node_id)
        if isinstance(value, Ref):
            return self.node_needs_grad(value.node_id)
        return False

    def node_needs_grad(self, node_id: str) -> bool:
        stack = [node_id]
        while stack:
            current = stack[-1]
            if current in self.grad_memo:
                stack.pop()
                continue
            node = self.doc.node(current)
            if current in self.differentiated:
                self.grad_memo[current] = True
                stack.pop()
                continue
            if node.op == GRAD_OP:
                self.grad_memo[current] = self.graph_requires.get(current, True)
                stack.pop()
                continue
            if node.op in (LEAF, CONSTANT) or node.op == "detach":
                self.grad_memo[current] = node.op == LEAF and node.requires_grad
                stack.pop()
                continue
            sources = [e.source for e in self.doc.in_edges(current).values()]
            missing = [s for s in sources if s not in self.grad_memo]
            if missing:
                stack.extend(missing)
                continue
            self.grad_memo[current] = any(self.grad_memo[s] for s in sources)
            stack.pop()
        return self.grad_memo[node_id]

    def from_tensor(self, t: torch.Tensor, where: ast.AST,
                    requires_grad: bool | None = None) -> Pending:
        """A tensor torch computed, as a new tensor of numbers with no history."""
        try:
            dtype = dtype_name(t.dtype)
        except CreationError as exc:
            raise error_at(where, str(exc)) from None
        self.check_size(torch.empty(t.shape, device="meta"), where)
        return Pending(t.detach().tolist(), dtype, requires_grad, origin=where,
                       inference=self.inference)

    def dict_key(self, value: Value, where: ast.AST) -> Any:
        """A value as a dict's key: a tensor by identity (its node), as Python hashes it;
        anything else as its plain Python value."""
        if isinstance(value, Pending | Ref):
            return TensorKey(value, self.node_of(value, where))
        return self.plain(value, where)

    def wrap(self, obj: Any, where: ast.AST) -> Value:
        """A plain torch/Python result back into a snippet value."""
        if isinstance(obj, TensorKey):  # a dict's key that is a tensor: the tensor
            return obj.value  # type: ignore[no-any-return]
        if isinstance(obj, torch.Tensor):
            return self.from_tensor(obj, where)
        if isinstance(obj, bool | int | float):
            return Number(obj)
        if isinstance(obj, list | tuple):
            items = [self.wrap(o, where) for o in obj]
            return Py(items if isinstance(obj, list) else tuple(items))
        return Py(obj)

    def computed_constant(self, op: str, inputs: list[Value], params: dict[str, Any],
                          where: ast.AST) -> Value:
        """Under torch.no_grad(): the op's result is a plain tensor with no history."""
        spec = get_op(op)
        args = [self.concrete(v, where) for v in inputs]
        try:
            with torch.no_grad():
                out = spec.call(*args, **params)
        except Exception as exc:  # noqa: BLE001 - torch's error, at this statement
            raise raised_at(where, exc) from None
        made = self.wrap(out, where)
        if isinstance(made, Pending) and isinstance(out, torch.Tensor) and out._is_view() \
                and op not in ("detach", "clone") and isinstance(inputs[0], Pending | Ref):
            made.view_of = inputs[0]  # w.t() under no_grad: torch's shares w's memory
        return made

    def truth(self, value: Value, where: ast.AST) -> bool:
        """bool(value) as Python gives it (a tensor of several elements raises torch's error)."""
        obj = self.concrete(value, where)
        try:
            return bool(obj)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(where, exc) from None

    def literal(self, node: ast.expr) -> Any:
        return self.plain(self.expr(node), node)

    def flags_changed(self) -> None:
        self.grad_memo.clear()

    def plain(self, value: Value, where: ast.AST) -> Any:
        """A value as plain Python data: numbers, nested lists, None, strings."""
        obj = self.concrete(value, where)
        count = numbers_in(obj)
        if VALUE_ELEMENTS.exceeded(count):  # `[[0] * 10**4] * 10**4` shares one row
            raise error_at(where, f"{short_text(where)} holds {count:,} numbers: "
                                  f"{VALUE_ELEMENTS.message()}")
        return _plain(obj)

    def tensor_argument(self, node: ast.expr) -> Any:
        """The data of torch.tensor(data) as plain Python: a tensor in a list is its one
        number (torch.tensor([x]) of a one-element x has x's shape dropped); one of more
        elements raises torch's ValueError here, as torch does."""
        value = self.expr(node)
        obj = self.concrete(value, node)
        count = numbers_in(obj)
        if VALUE_ELEMENTS.exceeded(count):
            raise error_at(node, f"{short_text(node)} holds {count:,} numbers: "
                                 f"{VALUE_ELEMENTS.message()}")
        try:
            return _plain(obj, items=True)
        except ValueError as exc:
            raise raised_at(node, exc) from None


def _plain(obj: Any, items: bool = False) -> Any:
    """`items`: a tensor inside a list is one number, as torch.tensor([t]) reads it."""
    if isinstance(obj, torch.Tensor):
        return obj.tolist()
    if isinstance(obj, list | tuple):
        return [_item(o) if items and isinstance(o, torch.Tensor) else _plain(o, items)
                for o in obj]
    if type(obj).__module__ == "numpy" and getattr(obj, "ndim", None) == 0:
        return obj.item()  # a numpy scalar (np.int64(3)): its number, as torch takes it
    return obj


def _item(t: torch.Tensor) -> Any:
    if t.numel() != 1:
        torch.tensor([t])  # raises torch's own ValueError for it
    return t.item()
