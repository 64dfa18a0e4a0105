"""What one registry entry is: `OpSpec`, an op's name, inputs, params and words, and how it
calls torch (the operator for plain numbers, an impl, or a torch attribute resolved on first
use). The entries themselves are in engine/ops.py. No torch import at module level, as in
engine/ops.py: the window appears before torch loads."""

from __future__ import annotations

import operator as _operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.index_text import parse_index
from engine.op_params import Param


@dataclass(frozen=True)
class OpSpec:
    name: str
    torch_name: str
    inputs: tuple[str, ...]
    symbol: str
    description: str
    category: str
    params: tuple[Param, ...] = ()
    # Attribute path resolved under torch on first call, e.g. "nn.functional.mse_loss".
    target: str = ""
    # Positional param names passed after the inputs (e.g. transpose's dim0, dim1).
    positional_params: tuple[str, ...] = field(default=())
    # The Python operator a snippet writes for this op (`a * b`). Used when an input is a
    # plain Python number: torch has a separate scalar path (`x ** 3` is not `x ** tensor(3)`
    # to the last bit), and `3 - x` only exists as an operator.
    operator: str = ""
    # A function of this module computing the op, for ops torch has no single call for.
    impl: Callable[..., Any] | None = None
    # The name a new node of this op takes when none is given (the op's own when empty): a
    # short one where the op's name would not fit a card's title (conv_transpose2d → convT2d)
    node_name: str = ""

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.name} has no parameter {name!r}")

    def default_params(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def function(self, with_numbers: bool = False) -> Callable[..., Any]:
        """The callable `call` runs: the snippet's Python operator when an input is a plain
        number (`with_numbers`), else the torch function. An op without params is exactly
        this called on its inputs (a run calls it directly: it is hot)."""
        if with_numbers and self.operator:
            return getattr(_operator, self.operator)  # type: ignore[no-any-return]
        return self.impl or _resolve(self.target or self.torch_name)

    def call(self, *inputs: Any, **params: Any) -> Any:
        """Run the op with real torch. Params missing from `params` take their defaults."""
        fn = self.function(any(isinstance(i, bool | int | float) for i in inputs))
        if not self.params:  # most ops: nothing to merge
            return fn(*inputs)
        merged = {**self.default_params(), **params}
        positional = [_to_torch_arg(self.param(name), merged.pop(name))
                      for name in self.positional_params]
        if merged.get("dim", 0) is None and not merged.get("keepdim", False):
            # x.sum() and x.sum(dim=None) build different autograd nodes (SumBackward0 vs 1);
            # call torch the way people write it, so the autograd view shows what they expect
            merged.pop("dim")
            merged.pop("keepdim", None)
        kwargs = {k: _to_torch_arg(self.param(k), v) for k, v in merged.items()}
        return fn(*inputs, *positional, **kwargs)


def _to_torch_arg(param: Param, value: Any) -> Any:
    if param.kind == "index":
        return parse_index(value)
    if param.kind == "dtype":
        import torch  # deferred: see the module docstring

        return getattr(torch, value)
    if param.kind == "dims" and isinstance(value, list):
        return tuple(value)
    if param.kind == "shape":
        return tuple(value)
    return value


_resolved: dict[str, Callable[..., Any]] = {}


def _resolve(path: str) -> Callable[..., Any]:
    fn = _resolved.get(path)
    if fn is None:
        import torch  # deferred: see the module docstring

        obj: Any = torch
        for part in path.split("."):
            obj = getattr(obj, part)
        fn = _resolved[path] = obj
    return fn
