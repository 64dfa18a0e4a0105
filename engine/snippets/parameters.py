"""nn.Parameter(t) and what becomes a member of an nn.ParameterList/Dict: leaves of the
snippet's own, each remembered as a parameter (a model's attribute set to one is filed as
torch files a Parameter)."""

from __future__ import annotations

import ast
from typing import Any

import torch

from engine.snippets.functionals import FunctionalCalls
from engine.snippets.param_containers import ask_torch, make
from engine.snippets.safety import error_at
from engine.snippets.values import Number, Pending, Py, Ref, Value


class ParameterReader(FunctionalCalls):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parameter_ids: set[int] = set()  # what nn.Parameter(...) made (kept alive)

    def parameter(self, node: ast.Call) -> Value:
        """nn.Parameter(t): a new leaf holding t's numbers, requiring grad even under
        no_grad (torch makes it so), with no history of how t was computed."""
        args, kwargs = self.arguments(node)
        if len(args) > 2 or set(kwargs) - {"data", "requires_grad"}:
            raise error_at(node, "nn.Parameter is read with a tensor and requires_grad=")
        data = args[0] if args else kwargs.get("data")
        flag = self.plain(args[1] if len(args) > 1 else kwargs.get("requires_grad", Py(True)),
                          node)
        if data is None or isinstance(data, Number | Py) or not isinstance(flag, bool):
            raise error_at(node, "nn.Parameter takes a tensor, e.g. "
                                 "nn.Parameter(torch.randn(3, 2))")
        t = self.concrete(data, node).detach()
        if flag and not (t.is_floating_point() or t.is_complex()):
            ask_torch(lambda: torch.nn.Parameter(t), node)
        leaf = self.from_tensor(t, node, requires_grad=flag)
        self.leaves_pending.append(leaf)
        self.parameter_ids.add(id(leaf))
        return leaf

    def as_parameter(self, value: Value, where: ast.AST) -> Pending:
        """A member of an nn.ParameterList/Dict: an nn.Parameter is itself; any other tensor
        becomes a new leaf of its numbers (torch wraps it in a Parameter)."""
        if isinstance(value, Pending) and id(value) in self.parameter_ids:
            return value
        if not isinstance(value, Pending | Ref):
            raise error_at(where, "nn.ParameterList and nn.ParameterDict are read with "
                                  "tensors, e.g. nn.Parameter(torch.randn(3, 2))")
        t = self.concrete(value, where).detach()
        ask_torch(lambda: torch.nn.Parameter(t), where)  # an integer tensor: torch's words
        leaf = self.from_tensor(t, where, requires_grad=True)
        assert isinstance(leaf, Pending)
        self.leaves_pending.append(leaf)
        self.parameter_ids.add(id(leaf))
        return leaf

    def parameter_container(self, kind: str, node: ast.Call) -> Value:
        return Py(make(kind, *self.arguments(node), self.as_parameter, node))
