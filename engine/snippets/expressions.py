"""Expressions of a snippet → document nodes (the statement side lives in reader.py).

Each expression reads to a `Value`: a `Ref` to a node, a `Pending` tensor made from numbers
that becomes a node only when the graph uses it (a tensor used only as a seed never does),
or a plain `Number`. Shapes and dtypes are followed on the meta device, so `x.t()` of a
vector and `torch.ones_like(y)` mean what they mean in torch without computing anything.
"""

from __future__ import annotations

import ast
import math
from collections import ChainMap
from collections.abc import MutableMapping
from typing import Any

import torch

from engine.document import Document, GraphError
from engine.limits import ELEMENTS_PER_TENSOR, ELEMENTS_TOTAL, GRAPH_NODES, NUMBER_DIGITS
from engine.literal import shape_of
from engine.ops import CONSTANT, LEAF, NUMBER, get_op
from engine.snippets.node_names import NodeNames
from engine.snippets.safety import (
    ImportError_,
    TorchRaised,
    canonical_path,
    error_at,
    raised_at,
    refuse_outside,
    short_text,
)
from engine.snippets.shapes import ASK_TORCH, output_meta
from engine.snippets.tables import (
    TORCH_DTYPES,
    fold,
    number_name,
    too_many_digits,
)
from engine.snippets.values import (
    BoundTensorMethod,
    Module,
    Number,
    Pending,
    Py,
    Ref,
    TorchFunction,
    Value,
)

BINOPS: dict[type, str] = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div",
                           ast.Pow: "pow", ast.MatMult: "matmul", ast.FloorDiv: "floordiv",
                           ast.Mod: "mod"}
BIT_OPERATORS = (ast.BitAnd, ast.BitOr, ast.BitXor, ast.LShift, ast.RShift)
_SHORT = {"binary_cross_entropy_with_logits": "bce", "cross_entropy": "ce", "mse_loss": "mse"}
_ALWAYS_TAKEN = {"torch", "F", "nn"}




# what a tensor of a finished training step is told when a graph would use it (training.py)
STALE = "was computed before the update at line"
# what a torch.func transform's answer is told when a graph would use it (grad_answers.py)
TRANSFORM_GRAPH = "carries a graph of its inputs in torch"
# what a state_dict() tensor is told when a graph would use it (module_methods.py): its copy
# (.clone()) is numbers of its own
SHARED_MEMORY = "of state_dict() shares memory with the parameter"
# the marks of numbers that may be computed with, the results keeping the mark
KEPT_AS_NUMBERS = (STALE, TRANSFORM_GRAPH)


def numbers_meta(value: Pending) -> torch.Tensor:
    """A tensor of numbers on the meta device: its shape and dtype, nothing computed."""
    return torch.empty(shape_of(value.value), dtype=TORCH_DTYPES[value.dtype], device="meta")


# Python's types, named as values (not called): what the name gives in the script
_TYPE_BUILTINS: dict[str, type] = {"int": int, "float": float, "bool": bool, "str": str}

class ExprReader(NodeNames):
    def __init__(self, doc: Document, reserved: set[str], generator: torch.Generator) -> None:
        self.doc = doc
        self.reserved = reserved
        self.generator = generator
        self.modules: dict[str, str] = {}
        self.env: MutableMapping[str, Value] = {}
        self.meta: dict[str, Any] = {}  # node id → meta tensor, Python number, or None
        self.auto_named: set[str] = set()  # nodes named by the importer, not by a variable
        self.leaves_pending: list[Pending] = []
        self.next_id = 1
        # node id → the detached name its numbers were changed through in place (inplace.py)
        self.changed_through: dict[str, str] = {}
        self.taken: set[str] = set(_ALWAYS_TAKEN)  # every node name, kept as nodes change
        self.holders: dict[str, str] = {}  # node name → node id, the same way
        self.suffix: dict[str, int] = {}  # base name → the next number to try after it
        self.grad_enabled = True  # False inside `with torch.no_grad():`
        self.inference = False  # inside `with torch.inference_mode():` (tensors made are marked)
        self.elements = 0  # elements in all tensors made so far
        # nodes of an index/reshape op that stand for a new tensor in torch, not a view
        # (the values of x.max(dim)): an in-place update of one changes nothing else
        self.fresh_tensors: set[str] = set()

    def bind(self, name: str, value: Value, stmt: ast.AST) -> None:
        if not isinstance(self.env, ChainMap):  # the script's own level, not a function's:
            self.modules.pop(name, None)  # `loss = criterion(...)` after `import ... loss`
        if isinstance(value, Py):
            self.env[name] = value
            return
        if isinstance(value, Ref):
            node = self.doc.node(value.node_id)
            # a leaf keeps its own name: it is the key of grads
            if value.node_id in self.auto_named or node.op != LEAF:
                self.claim(value.node_id, name)
        elif value.name is None:
            value.name = name
            value.slot = value.slot or self.take_id()
            if value.node_id is not None:
                self.claim(value.node_id, name)
        if isinstance(value, Pending) and value.requires_grad is not None:
            self.node_of(value, stmt)  # a leaf is a node even if nothing uses it
        self.env[name] = value

    def lookup(self, node: ast.Name) -> Value:
        try:
            return self.env[node.id]
        except KeyError:
            if node.id in _TYPE_BUILTINS:  # `arr.astype(int)`, `dtype=float`: the type
                return Py(_TYPE_BUILTINS[node.id])
            if node.id == "callable":  # `fn: callable`, an annotation Python evaluates
                return Py(callable)
            raise raised_at(node, NameError(f"name {node.id!r} is not defined")) from None

    def is_grad_leaf(self, value: Pending | Ref) -> bool:
        if isinstance(value, Pending):
            return bool(value.requires_grad)
        node = self.doc.node(value.node_id)
        return node.op == LEAF and node.requires_grad

    # ---- nodes ------------------------------------------------------------------------
    def node_of(self, value: Value | None, where: ast.AST | None) -> str:
        """The node a value stands for, creating it on first use."""
        if value is None or where is None:
            raise ImportError_("a tensor is missing here")
        if isinstance(value, Pending) and value.no_graph is not None:
            raise error_at(where, value.no_graph)
        if isinstance(value, Ref):
            return value.node_id
        if isinstance(value, Py) and isinstance(value.value, BoundTensorMethod) and \
                value.value.where is not None:  # y = (x > 0).float, then y used as a tensor
            bound = value.value
            raise error_at(bound.where, f"{short_text(bound.where)} without () is the method "
                                        "itself, not a tensor: torch fails only where it is "
                                        f"used; Gradflow reads the call, .{bound.attr}()")
        if isinstance(value, Py):
            raise error_at(where, f"a tensor is needed here, not {type(value.value).__name__}")
        if value.node_id is not None and (value.node_id in self.doc.graph
                                          or not isinstance(value, Number)):
            return value.node_id
        # (a number's node may have left the graph with a step's nodes while the number
        # lives on, a def's default: a new constant of it)
        node_id = value.slot if value.node_id is None and value.slot else self.take_id()
        if isinstance(value, Number):
            name = self.unique(value.name or number_name(value.value),
                               avoid_reserved=not value.name)
            dtype = {bool: "bool", int: "int64", float: "float64"}[type(value.value)]
            try:
                node = self.doc.add_node(CONSTANT, name, node_id=node_id, value=value.value,
                                         dtype=dtype, params={NUMBER: True})
            except GraphError as exc:
                raise error_at(where, str(exc).split(": ", 1)[-1]) from None
            self.meta[node.id] = value.value
            self.taken.add(node.name)
            self.holders[node.name] = node.id
        else:
            op = LEAF if value.requires_grad is not None else CONSTANT
            name = self.unique(value.name or ("leaf" if op == LEAF else "c"),
                               avoid_reserved=not value.name)
            try:
                node = self.doc.add_node(op, name, node_id=node_id, value=value.value,
                                         dtype=value.dtype, requires_grad=bool(value.requires_grad))
            except GraphError as exc:
                raise error_at(value.origin or where, str(exc).split(": ", 1)[-1]) from None
            self.meta[node.id] = numbers_meta(value)
            self.taken.add(node.name)
            self.holders[node.name] = node.id
            self.count_nodes(where)
        if value.name is None:
            self.auto_named.add(node.id)
        value.node_id = node.id
        return node.id

    def materialise_leaves(self) -> None:
        for pending in self.leaves_pending:
            if pending.requires_grad is not None and pending.node_id is None:
                self.node_of(pending, ast.Pass())

    def count_nodes(self, where: ast.AST | None) -> None:
        if GRAPH_NODES.exceeded(len(self.doc) + 1):
            raise error_at(where or ast.Pass(),
                           f"the snippet builds a graph {GRAPH_NODES.message()}")

    def op_node(self, op: str, inputs: list[Value], params: dict[str, Any],
                where: ast.AST) -> Value:
        if not self.grad_enabled:
            return self.computed_constant(op, inputs, params, where)
        stale = next((v.no_graph for v in inputs if isinstance(v, Pending) and v.no_graph
                      and any(mark in v.no_graph for mark in KEPT_AS_NUMBERS)), None)
        if stale is not None:  # `loss.log10().item()` of a finished training step: numbers
            made = self.computed_constant(op, inputs, params, where)
            # that still may not enter a graph, unless detached: torch's detach of a finished
            # step's tensor is its numbers, a constant any graph may use (a GAN's
            # `D(fake.detach())` after the generator's step)
            if isinstance(made, Pending) and op != "detach":
                made.no_graph = stale
            return made
        if op == "clone" and any(isinstance(v, Pending) and v.no_graph and SHARED_MEMORY in
                                 v.no_graph for v in inputs):
            # `model.state_dict()[key].clone()`: a copy of the numbers, which no update of
            # the parameter changes: a constant any graph may use
            return self.computed_constant(op, inputs, params, where)
        ids = [self.through_hooks(self.node_of(v, where)) for v in inputs]
        for node_id in ids:
            if node_id in self.changed_through:
                raise error_at(where, f"{self.doc.node(node_id).name} had its numbers changed "
                                      f"in place through {self.changed_through[node_id]} (a "
                                      "detach shares its memory): computing with it again is "
                                      "outside the computation Gradflow reads; clone it first")
        ids = self.cast_for_default(op, ids, params, where)
        spec = get_op(op)
        self.count_nodes(where)
        try:
            node = self.doc.add_node(op, self.unique(_SHORT.get(op, spec.node_name or op)),
                                     node_id=self.take_id(), params=params)
        except GraphError as exc:
            raise error_at(where, str(exc)) from None
        for port, source in zip(spec.inputs, ids, strict=True):
            self.doc.add_edge(source, node.id, port)
        self.auto_named.add(node.id)
        self.taken.add(node.name)
        self.holders[node.name] = node.id
        metas = [self.meta.get(i) for i in ids]
        self.meta[node.id] = None
        if all(m is not None for m in metas):
            known = output_meta(op, metas, params)
            if known is None:  # torch will refuse it
                self.raised_in_try(node.id, where)
            if known is not ASK_TORCH:
                self.meta[node.id] = known
            else:
                try:
                    self.meta[node.id] = spec.call(*metas, **params)
                except Exception:  # noqa: BLE001 - torch will say it again at run time
                    self.raised_in_try(node.id, where)
        self.check_size(self.meta[node.id], where)
        return Ref(node.id)

    def concrete(self, value: Value, where: ast.AST) -> Any:
        raise NotImplementedError  # concrete.py: a value's numbers

    def raised_in_try(self, node_id: str, where: ast.AST) -> None:
        """Inside a `try`, an op torch refuses (`w @ torch.ones(3)` of the wrong shape) raises
        torch's error where the script does, for its except to take; the node leaves."""
        if not getattr(self, "open_tries", None):
            return
        try:
            self.concrete(Ref(node_id), where)
        except TorchRaised:
            self.forget_node(node_id)
            raise

    def forget_node(self, node_id: str) -> None:
        """The node leaves the document, and its name is free again."""
        name = self.doc.remove_node(node_id)[0].name
        if self.holders.get(name) == node_id:
            del self.holders[name]
            self.taken.discard(name)
        self.auto_named.discard(node_id)
        self.meta.pop(node_id, None)

    def cast_for_default(self, op: str, ids: list[str], params: dict[str, Any],
                         where: ast.AST) -> list[str]:
        """The inputs of a new op node, cast where torch's default dtype decides its dtype
        (setup_calls.py); as they are here."""
        return ids

    def check_size(self, meta: Any, where: ast.AST) -> None:
        """Refuse a tensor past the element limits before anything computes it."""
        if isinstance(meta, torch.Tensor):
            self.check_count(meta.numel(), where)

    def check_count(self, count: int, where: ast.AST) -> None:
        self.check_fits(count, where)
        self.elements += count

    def check_fits(self, count: int, where: ast.AST) -> None:
        """Refuse a tensor of `count` elements before torch is asked to make it."""
        if ELEMENTS_PER_TENSOR.exceeded(count):
            raise error_at(where, f"{short_text(where)} makes a tensor "
                                  f"{ELEMENTS_PER_TENSOR.message(f'{count:,}')}")
        if ELEMENTS_TOTAL.exceeded(self.elements + count):
            raise error_at(where, f"{short_text(where)}: the snippet's tensors are "
                                  f"{ELEMENTS_TOTAL.message()}")

    def module_attribute(self, path: str, node: ast.AST) -> Value:
        raise NotImplementedError  # pyexpr.py

    def computed_constant(self, op: str, inputs: list[Value], params: dict[str, Any],
                          where: ast.AST) -> Value:
        """Overridden where concrete values are known (concrete.py)."""
        raise error_at(where, "torch.no_grad() is not supported here")

    # ---- expressions ------------------------------------------------------------------
    def expr(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Name):
            if node.id in self.modules:
                path = self.modules[node.id]
                refuse_outside(path, node)
                if path.startswith(("math.", "torch.")) and path.count(".") == 1:
                    return self.module_attribute(path, node)  # `from math import pi`
                if path.endswith(".functional_call"):  # jacrev(functional_call, argnums=1)
                    return Py(TorchFunction(path))
                raise error_at(node, f"{node.id} is a module, not a tensor")
            return self.lookup(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, bool | int | float):
            if isinstance(node.value, float) and not math.isfinite(node.value):
                raise error_at(node, "this number is too large to be finite; write one that is")
            if isinstance(node.value, int) and too_many_digits(node.value.bit_length()):
                raise error_at(node, f"this integer is too large: {NUMBER_DIGITS.message()}")
            return Number(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = self.expr(node.operand)
            if isinstance(node.op, ast.UAdd):
                return inner
            if isinstance(inner, Number):
                return Number(-inner.value)
            if isinstance(inner, Py):
                return self.python_negative(inner, node)
            return self.op_node("neg", [inner], {}, node)
        if isinstance(node, ast.BinOp):
            return self.binop_chain(node)
        if isinstance(node, ast.Call):
            if any(kw.arg is None for kw in node.keywords) and \
                    self.module_path(node.func) is not None:
                return self.spread_call(node)
            return self.call(node)
        if isinstance(node, ast.Attribute) and node.attr in ("T", "mT"):
            return self.transpose(node.value, node, strict=node.attr == "T")
        return self.other_expr(node)

    def through_hooks(self, node_id: str) -> str:
        """hooks.py: a module's parameter with a hook is used through the hook."""
        return node_id

    def spread_call(self, node: ast.Call) -> Value:
        raise NotImplementedError  # valuecalls.py: f(**options) of a torch function

    def other_expr(self, node: ast.expr) -> Value:
        raise error_at(node, f"{short_text(node)} is not supported; use operators (+ - * / ** @) "
                             "and torch functions from Gradflow's op list")

    def binop_chain(self, node: ast.BinOp) -> Value:
        """a + b + c + ... read without recursion: a 2000-term sum is a 2000-deep tree."""
        spine = [node]
        while isinstance(spine[-1].left, ast.BinOp):
            spine.append(spine[-1].left)  # type: ignore[arg-type]
        value = self.expr(spine[-1].left)
        for step in reversed(spine):
            value = self.binop(step.op, value, self.expr(step.right), step)
        return value

    def binop(self, op_node: ast.operator, left: Value, right: Value, where: ast.AST) -> Value:
        op = BINOPS.get(type(op_node))
        if op is None and isinstance(op_node, BIT_OPERATORS):
            return self.python_binop(op_node, left, right, where)  # values only (pyexpr.py)
        if op is None:
            raise error_at(where, "this operator is not supported; use + - * / ** @")
        if isinstance(left, Number) and isinstance(right, Number):
            return Number(fold(op, left.value, right.value, where))
        if isinstance(left, Py) or isinstance(right, Py):
            return self.python_binop(op_node, left, right, where)
        if op in ("floordiv", "mod"):
            return self.python_binop(op_node, left, right, where)
        return self.op_node(op, [left, right], {}, where)

    def python_binop(self, op_node: ast.operator, left: Value, right: Value,
                     where: ast.AST) -> Value:
        raise error_at(where, f"{short_text(where)}: this operator needs numbers or tensors")

    def python_negative(self, value: Py, where: ast.UnaryOp) -> Value:
        """`-obj` of an object of the snippet's own class: its __neg__ (classes.py); of any
        other value (a numpy array), the neg op as before."""
        return self.op_node("neg", [value], {}, where)

    def transpose_value(self, value: Value, where: ast.AST, strict: bool) -> Value:
        if not isinstance(value, Pending | Ref):
            raise error_at(where, "a plain value has no transpose")
        if isinstance(value, Pending):  # numbers: kept ones of a finished step have no node
            ndim = len(shape_of(value.value))
        else:
            meta = self.meta.get(self.node_of(value, where))
            ndim = meta.dim() if isinstance(meta, torch.Tensor) else 2
        if ndim < 2:
            return value  # torch gives the tensor itself for 0-d and 1-d
        if ndim > 2 and strict:
            raise error_at(where, f"{short_text(where)} reverses {ndim} dimensions; use "
                                  "torch.transpose(x, dim0, dim1)")
        return self.op_node("transpose", [value], {"dim0": 0, "dim1": 1}, where)

    def module_path(self, node: ast.expr) -> str | None:
        """'torch.nn.functional.relu' for F.relu, or None when not rooted at a module."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.modules:
            return None
        return canonical_path(".".join([self.modules[node.id], *reversed(parts)]))

    def call(self, node: ast.Call) -> Value:
        raise error_at(node, f"{short_text(node.func)}(...) is not supported here")  # torchcalls.py

    def mark(self, value: Value, flag: bool, target: ast.AST, how: str = "method") -> Value:
        raise error_at(target, "requires_grad is read in torchcalls.py")  # overridden

    def transpose(self, target: ast.expr, where: ast.AST, strict: bool) -> Value:
        value = self.expr(target)
        if isinstance(value, Py) and isinstance(value.value, Module) and \
                isinstance(where, ast.expr):
            return self.other_expr(where)  # `self.T`: the model's own attribute named T
        return self.transpose_value(value, where, strict)
