"""`type(v)` and `isinstance(v, T)` on the snippet's values, as Python answers them: a tensor
is a torch.Tensor, `y.grad_fn` torch's own class of its node (MulBackward0, a
torch.autograd.graph.Node), a number an int, float or bool,
an nn layer its torch.nn class (isinstance(m, nn.Linear)), a model of the snippet's class an
nn.Module.
Only these kinds are named; another class in isinstance is refused with what is read."""

from __future__ import annotations

import ast
from collections.abc import Callable

import numpy as np
import torch

from engine.snippets.grad_fn_values import GradFn
from engine.snippets.safety import ImportError_, error_at
from engine.snippets.values import Module, Number, Pending, Py, Ref, Value

_PLAIN_TYPES: dict[str, type] = {"int": int, "float": float, "bool": bool, "str": str,
                                 "list": list, "tuple": tuple, "dict": dict}
_TORCH_TYPES: dict[str, type] = {"torch.Tensor": torch.Tensor,
                                 "torch.autograd.graph.Node": torch.autograd.graph.Node,
                                 "numpy.ndarray": np.ndarray}


def type_of(value: Value) -> type:
    """The class Python's type() gives for the value in the plain script."""
    if isinstance(value, Pending | Ref):
        return torch.Tensor
    if isinstance(value, Py) and isinstance(value.value, GradFn):
        return type(value.value.fn)  # torch's own class: MulBackward0, AccumulateGrad
    inner = value.value if isinstance(value, Number | Py) else value
    if isinstance(inner, Module):  # nn.Linear is an nn.Linear; a model class an nn.Module
        return _nn_class(inner.kind) if inner.cls is None else inner.cls.python_type
    if isinstance(inner, list) and isinstance(value, Py):
        return list
    return type(inner)


def kinds_of(node: ast.expr, module_path: Callable[[ast.expr], str | None],
             own_class: Callable[[ast.expr], type | None] = lambda _: None
             ) -> tuple[type, ...]:
    """The classes an isinstance call names: int, float, ..., torch.Tensor, a class of the
    snippet's own (`own_class` gives its type), or a tuple of them."""
    if isinstance(node, ast.Tuple):
        return tuple(k for e in node.elts for k in kinds_of(e, module_path, own_class))
    own = own_class(node)
    if own is not None:
        return (own,)
    if isinstance(node, ast.Name) and node.id in _PLAIN_TYPES:
        return (_PLAIN_TYPES[node.id],)
    path = module_path(node)
    if path in _TORCH_TYPES:
        return (_TORCH_TYPES[path],)
    if path is not None and path.startswith("torch.nn.") and \
            _nn_class(path.removeprefix("torch.nn.")) is not torch.nn.Module:
        return (_nn_class(path.removeprefix("torch.nn.")),)  # isinstance(m, nn.Conv2d)
    if path == "torch.nn.Module":
        return (torch.nn.Module,)
    names = ", ".join([*_PLAIN_TYPES, *_TORCH_TYPES])
    raise error_at(node, f"isinstance with {ast.unparse(node)[:40]} is not read; the classes "
                         f"read are {names}")


def _nn_class(name: str) -> type:
    """torch.nn's module class of this name (nn.Module for one it does not have)."""
    found = getattr(torch.nn, name, None) if name.isidentifier() else None
    return found if isinstance(found, type) and issubclass(found, torch.nn.Module) \
        else torch.nn.Module


def is_instance(value: Value, kinds: tuple[type, ...]) -> bool:
    kind = type_of(value)
    return any(issubclass(kind, k) for k in kinds)


def method_refused(receiver: Py, attr: str, node: ast.AST) -> ImportError_:
    """A method the importer does not read on a plain value, said with what to do."""
    grad_fn = isinstance(receiver.value, GradFn)
    if grad_fn and attr.startswith("register_"):
        return error_at(node, f".grad_fn.{attr}() is not read: a hook on a backward node "
                              "works inside autograd's own machinery, outside the computation "
                              "Gradflow reads (it reads the tensors and draws their backward "
                              "nodes itself); hook the tensor instead, e.g. "
                              "y.register_hook(lambda g: g * 2)")
    if grad_fn:
        return error_at(node, f".grad_fn.{attr}() is not read: of a backward node Gradflow "
                              "reads .next_functions, .name(), an AccumulateGrad's .variable, "
                              "type(), str() and is/==")
    return error_at(node, f".{attr}() on a {type_of(receiver).__name__} is not supported")


__all__ = ["is_instance", "kinds_of", "method_refused", "type_of"]
