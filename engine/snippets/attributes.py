"""Attributes in a snippet's expressions, read as torch and Python give them: a tensor's
`.grad` (None before any backward; after one, the statement reader decides what reading it
does), `.data` (a copy of its numbers, kept to refuse an in-place update of it), `.shape`,
`.ndim`, `.dtype`, `.device`, `.requires_grad`, `.is_leaf` and `.grad_fn`; the fields of a
named tuple (`x.sort(1).values`); and the names of modules: `math.pi`, `torch.float32`,
`torch.FloatTensor`, `nn.Linear` and the torch functions a snippet passes around. A base of
PythonReader (pyexpr.py), which reads the rest of the plain-Python side of an expression.
"""

from __future__ import annotations

import ast
import inspect
import math
from typing import Any

import numpy as np
import torch

from engine.snippets.plain_methods import PlainMethods
from engine.snippets.safety import ImportError_, error_at, raised_at, refuse_outside, short_text
from engine.snippets.tables import FUNCTIONAL, METHODS, TORCH_FUNCTIONS
from engine.snippets.typecheck import type_of
from engine.snippets.valuecalls import TYPED_TENSORS
from engine.snippets.values import (
    BoundTensorMethod,
    Function,
    Module,
    Number,
    Pending,
    Py,
    Ref,
    TorchFunction,
    Value,
)

# tensor methods read apart from the ops (numbers out, copies): torch.Tensor.cpu(y) is y.cpu()
PLAIN_METHODS = ("cpu", "numpy", "item", "tolist", "detach", "clone", "size", "dim", "numel")
MATH_CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau, "inf": math.inf,
                  "nan": math.nan}


class AfterBackward(ImportError_):
    """A statement after the backward call reads a .grad: it only reports (a print, a check)
    unless it changes the gradients, which the statement reader decides."""


class AttributeReader(PlainMethods):
    known_grads: dict[str, torch.Tensor | None] | None = None  # leaf id → .grad, when known

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.module_values: dict[str, Value] = {}
        # `c = out.data`: c is read as a copy of out's numbers, but in torch it shares out's
        # memory; an in-place update of it is refused (inplace.py) instead of read wrongly
        self.data_copies: dict[int, tuple[Value, str]] = {}
        # `c.grdd = None`: a Python attribute of the snippet's own set on a tensor, which is
        # a Python object: (the tensor's node, name) → the value, read back as Python does
        self.own_tensor_attrs: dict[tuple[str, str], Value] = {}
        self.numbers_owners: dict[int, Pending] = {}  # kept alive: their ids name them

    def own_key(self, value: Value, where: ast.AST) -> str:
        """What a tensor's own attributes are keyed by: its node, or for numbers kept of a
        finished step (which have none) the numbers themselves."""
        if isinstance(value, Pending) and value.no_graph is not None:
            self.numbers_owners[id(value)] = value
            return f"<numbers {id(value)}>"
        return self.node_of(value, where)

    # ---- attributes -------------------------------------------------------------------
    def attribute(self, node: ast.Attribute) -> Value:
        if node.attr == "__name__":  # torch.tanh.__name__ too
            return self.name_of(self.expr(node.value), node)
        path = self.module_path(node)
        if path is not None:
            return self.module_attribute(path, node)
        value = self.expr(node.value)
        attr = node.attr
        if isinstance(value, Py) and isinstance(value.value, Module):
            if attr == "_parameters":  # torch's dict of the module's own parameters
                return Py(dict(value.value.params))
            if attr in ("_forward_hooks", "_forward_pre_hooks"):  # to count them, by order
                kind = "register" + attr.removesuffix("s")  # register_forward_hook...
                return Py({i: Py(fn) for i, (k, fn, _) in enumerate(value.value.hooks)
                           if k == kind})
            return self.module_attribute_of(value.value, attr, node)
        if isinstance(value, Py) and isinstance(value.value, tuple) and \
                attr in getattr(value.value, "_fields", ()):
            return getattr(value.value, attr)  # x.sort(1).values, torch.linalg's .solution
        found = self.plain_attribute(value, attr, node) if isinstance(value, Py) else None
        if found is not None:  # a numpy array's (numpy_reader.py), a plot's (plots.py)
            return found
        if isinstance(value, Py) and attr in ("real", "imag") or not isinstance(
                value, Pending | Ref):
            raise error_at(node, f"{short_text(node)}: {attr} of a plain value is not supported")
        if attr == "grad":
            if not self.is_leaf(value) and value.node_id not in self.grads_retained:
                return Py(None)  # a computed tensor's .grad: None without its retain_grad()
            if self.known_grads is not None:  # an assert checked after the run (program.py)
                if self.needs_grad(value) and not self.is_leaf(value) and \
                        self.node_of(value, node) not in self.known_grads:
                    # torch holds a computed tensor's .grad only after its retain_grad():
                    # the grads of a point are the leaves' (None here could be a wrong one)
                    raise error_at(node, f"{short_text(node)} of a tensor computed in the "
                                         "graph (not a leaf) is read only in a print here")
                grad = self.known_grads.get(self.node_of(value, node))
                if grad is None:  # the .grad torch keeps while requires_grad is off
                    grad = self.carried_grad(value, node)
                return Py(None) if grad is None else self.from_tensor(grad.clone(), node)
            graphed = self.graphed_grad(value)
            if graphed is not None:  # a gradient with a graph of its own (create_graph=True)
                return graphed
            if self.backward_seen or self.is_leaf(value) and \
                    self.doc.node(self.node_of(value, node)).grad is not None:
                # (a .grad given by hand is read as one a backward left)
                raise AfterBackward("reads .grad after a backward call", node.lineno,
                                    node.col_offset + 1)
            return Py(None)  # no backward has run yet: torch says None too
        if attr == "data":
            copy = self.from_tensor(self.concrete(value, node), node)
            self.data_copies[id(copy)] = (copy, short_text(node))
            return copy
        if attr == "requires_grad":
            return Number(self.needs_grad(value))
        if attr == "is_leaf":
            return Number(self.is_leaf(value))
        if attr == "retains_grad":  # a computed tensor after its retain_grad(); a leaf never
            return Number(not self.is_leaf(value) and value.node_id in self.grads_retained)
        if attr == "grad_fn":
            return self.grad_fn_of(value, node)
        if attr in ("is_cuda", "is_cpu", "is_xpu", "is_sparse", "is_quantized", "is_meta",
                    "is_mps"):
            return Number(bool(getattr(self.concrete(value, node), attr)))  # a CPU tensor's
        if attr in ("shape", "ndim", "dtype", "device"):
            t = self.concrete(value, node)
            found = {"shape": lambda: tuple(t.shape), "ndim": lambda: t.dim(),
                     "dtype": lambda: t.dtype, "device": lambda: t.device}[attr]()
            return self.wrap(found, node)
        own = self.own_tensor_attrs.get((self.own_key(value, node), attr)) \
            if self.own_tensor_attrs else None
        if own is not None:  # an attribute of the tensor's own (over a method's name too)
            return own
        if not hasattr(torch.Tensor, attr):  # y.creator of old tutorials: Python's own error
            raise raised_at(node, AttributeError(f"'Tensor' object has no attribute '{attr}'"))
        if callable(getattr(torch.Tensor, attr)):  # y = (x > 0).float: the method itself
            return Py(BoundTensorMethod(value, attr, node))
        raise error_at(node, f"the attribute .{attr} is not supported; use .shape, .data, "
                             ".grad, .requires_grad, .T")

    def call_value(self, target: Value, node: ast.Call) -> Value:
        raise NotImplementedError  # pyexpr.py: calling a value

    def tensor_method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        """`w.retain_grad()` after `w.retain_grad = True`: Python calls the attribute of the
        tensor's own, which a number is not."""
        own = self.own_tensor_attrs.get((self.own_key(receiver, node), attr)) \
            if self.own_tensor_attrs and isinstance(receiver, Pending | Ref) else None
        if isinstance(own, Py) and isinstance(own.value, Function | TorchFunction):
            return self.call_value(own, node)  # `result.back = back` then `result.back()`
        if isinstance(own, Number) or isinstance(own, Py) and not callable(own.value):
            raise raised_at(node, TypeError(f"'{type(own.value).__name__}' object is not "
                                            "callable"))
        if own is not None:
            raise error_at(node, f"{short_text(node)} calls an attribute set on the tensor, "
                                 "which is not read; call a function of its own instead")
        return super().tensor_method(receiver, attr, node)

    def carried_grad(self, value: Pending | Ref, where: ast.AST) -> torch.Tensor | None:
        """The .grad a leaf keeps while its requires_grad is off (flag_grads.py)."""
        return None

    def plain_attribute(self, value: Py, attr: str, node: ast.Attribute) -> Value | None:
        """An attribute of a plain value read elsewhere, or None."""
        return None

    def grad_fn_of(self, value: Value, node: ast.Attribute) -> Value:
        """`t.grad_fn`: torch's own node (engine/snippets/grad_fns.py)."""
        raise error_at(node, f"{short_text(node)} is not read here")

    def graphed_grad(self, tensor: Value) -> Ref | None:
        """`x.grad` as a node of the graph (engine/snippets/graphed_grads.py), or None."""
        return None

    def under_hooks(self, value: Ref) -> Ref:
        """The tensor itself of a name that stands for the grad_hook nodes over it (hooks.py):
        `w` after `w.register_hook(...)` is still torch's leaf w."""
        node_id = value.node_id
        while self.doc.node(node_id).op == "grad_hook":
            node_id = self.doc.in_edges(node_id)["input"].source
        return value if node_id == value.node_id else Ref(node_id)

    def is_leaf(self, value: Value) -> bool:
        if isinstance(value, Pending):
            return value.node_id is None or self.doc.node(value.node_id).op != "transpose"
        if isinstance(value, Ref):
            node = self.doc.node(self.under_hooks(value).node_id)
            return node.op in ("leaf", "constant") or not self.needs_grad(value)
        return True

    def name_of(self, value: Value, node: ast.Attribute) -> Value:
        """`type(m).__name__` (and `m.__class__.__name__`, read as that), a def's or a torch
        function's `__name__`: the name Python gives; anything else has none, as in Python."""
        held = value.value if isinstance(value, Py) else None
        if isinstance(held, type):
            return Py(held.__name__)
        if isinstance(held, Function):
            return Py("<lambda>" if isinstance(held.node, ast.Lambda) else held.node.name)
        if isinstance(held, TorchFunction):
            return Py(held.path.rsplit(".", 1)[-1])  # torch.relu.__name__: 'relu'
        kind = type_of(value).__name__
        raise raised_at(node, AttributeError(f"'{kind}' object has no attribute '__name__'"))

    def module_attribute(self, path: str, node: ast.AST) -> Value:
        refuse_outside(path, node)
        if path in ("torch.__version__", "numpy.__version__"):
            return Py(str(torch.__version__ if path.startswith("torch") else np.__version__))
        if path in self.module_values:
            return self.module_values[path]
        if path.startswith("math."):
            name = path.removeprefix("math.")
            if name in MATH_CONSTANTS:
                return Number(MATH_CONSTANTS[name])
        if path in ("torch.pi", "torch.e", "torch.inf", "torch.nan"):
            return Number(MATH_CONSTANTS[path.removeprefix("torch.")])
        dtype = getattr(torch, path.removeprefix("torch."), None) if path.startswith(
            "torch.") and "." not in path.removeprefix("torch.") else None
        if isinstance(dtype, torch.dtype) or dtype is torch.Tensor:  # type(y) == torch.Tensor
            return Py(dtype)
        if path.removeprefix("torch.") in TYPED_TENSORS:  # dtype = torch.FloatTensor
            return Py(getattr(torch, path.removeprefix("torch.")))
        layer = getattr(torch.nn, path.removeprefix("torch.nn."), None) if path.startswith(
            "torch.nn.") and "." not in path.removeprefix("torch.nn.") else None
        if isinstance(layer, type) and issubclass(layer, torch.nn.Module):
            return Py(layer)  # type(m) == nn.Linear (typecheck.py gives a layer its class)
        short = path.removeprefix("torch.")
        if short.removeprefix("Tensor.") in (*METHODS, *PLAIN_METHODS) and \
                short.startswith("Tensor.") or \
                short in TORCH_FUNCTIONS or short.removeprefix("nn.functional.") in FUNCTIONAL:
            return Py(TorchFunction(path))  # called later: torch.Tensor.tanh(x), fn(x)
        raise error_at(node, f"{path} is not supported here")


def shadowable(attr: str) -> bool:
    """Whether Python lets a script set `t.<attr> = value` on a tensor: a name a tensor lacks,
    or a method's (its own attribute then hides the method); not torch's properties
    (.shape, .grad), which have setters of their own or none."""
    found = inspect.getattr_static(torch.Tensor, attr, None)
    return found is None or not inspect.isdatadescriptor(found) and callable(found) and \
        not attr.startswith("__")


__all__ = ["MATH_CONSTANTS", "AfterBackward", "AttributeReader", "shadowable"]
