"""How big an op's output will be, known before the op runs, so memory stays bounded.

`ones(35000, 1) + ones(1, 35000)` is two small inputs and a 1.2-billion-element output: the
check must come before torch allocates it. Elementwise ops broadcast (shape rule); ops that
never make more elements than their largest input need no estimate; any other op (matmul,
ops added later) is run on the meta device, which computes shapes and allocates nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from engine.limits import ELEMENTS_PER_TENSOR, ELEMENTS_TOTAL
from engine.ops import get_op
from engine.refusals import LimitExceeded
from engine.shape_rules import ASK_TORCH, broadcast, rule_shape

# Ops whose output has the broadcast shape of their inputs.
_BROADCASTING = frozenset({"add", "sub", "mul", "div", "pow", "maximum", "minimum", "where",
                           "mse_loss",
                           "binary_cross_entropy_with_logits"})
# Ops whose output never has more elements than their largest input: no estimate needed.
_NOT_GROWING = frozenset({"neg", "exp", "log", "sin", "cos", "tanh", "sigmoid", "relu", "sqrt",
                          "abs", "square", "clamp", "leaky_relu", "elu", "hardtanh", "relu6",
                          "softplus", "gelu",
                          "sum", "mean", "norm", "amax", "amin",
                          "softmax", "log_softmax",
                          "reshape", "transpose", "detach", "cross_entropy", "setitem", "var",
                          "std", "permute", "sign", "reciprocal", "rsqrt", "tan", "atan",
                          "asin", "acos", "sinh", "cosh", "erf", "log1p", "expm1", "log2",
                          "log10", "prod", "logsumexp", "cumsum", "cumprod", "trace", "flip",
                          "tril", "triu", "round", "floor", "ceil", "trunc",
                          "overwritten", "layer_norm", "grad"})


def _shape(value: Any) -> tuple[int, ...]:
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    if isinstance(value, tuple):
        return value
    return ()  # a plain Python number


def output_shape(op: str, inputs: Sequence[Any],
                 params: Mapping[str, Any]) -> tuple[int, ...] | None:
    """The output shape of `op` on these inputs (tensors, Python numbers or shapes), or None
    when it cannot be told without running (torch will then give its own error)."""
    shapes = [_shape(v) for v in inputs]
    try:
        if op in _BROADCASTING:
            return broadcast(shapes)
        told = rule_shape(op, shapes, params)  # matmul, linear...: no meta call, no sympy
        if told is not ASK_TORCH:
            return told  # type: ignore[no-any-return]
        meta = [torch.empty(_shape(v), dtype=v.dtype if isinstance(v, torch.Tensor)
                            else torch.float32, device="meta")
                if isinstance(v, torch.Tensor | tuple) else v for v in inputs]
        out = get_op(op).call(*meta, **params)
    except (RuntimeError, ValueError, TypeError, IndexError, NotImplementedError):
        return None
    return tuple(out.shape) if isinstance(out, torch.Tensor) else None


class SizeBudget:
    """The elements one run has made so far; refuses a tensor over either limit.

    `name` and `op` say which node makes the tensor; the words are put together only when
    refusing (this is called for every node of every run)."""

    def __init__(self) -> None:
        self.total = 0

    def _refuse_if_over(self, elements: int, name: str, op: str, shape: str = "") -> None:
        if not (ELEMENTS_PER_TENSOR.exceeded(elements)
                or ELEMENTS_TOTAL.exceeded(self.total + elements)):
            return
        what = name if op in ("", name) else f"{name} ({op})"
        if ELEMENTS_PER_TENSOR.exceeded(elements):
            made = f"a {shape} tensor ({elements:,} elements)" if shape else \
                f"{elements:,} elements"
            raise LimitExceeded(f"{what} would make {made}: {ELEMENTS_PER_TENSOR.message()}")
        raise LimitExceeded(f"{what} would bring the graph to {self.total + elements:,} "
                            f"elements: {ELEMENTS_TOTAL.message()}")

    def check_op(self, op: str, inputs: Sequence[Any], params: Mapping[str, Any],
                 name: str) -> None:
        """Before running `op`: refuse if its output would be over a limit. Ops that never
        grow are counted by `add` afterwards: their output is no bigger than an input."""
        if op in _NOT_GROWING:
            return
        shape = output_shape(op, inputs, params)
        if shape is not None:
            self._refuse_if_over(math.prod(shape), name, op,
                                 "×".join(map(str, shape)) or "0-d")

    def add(self, elements: int, name: str, op: str = "") -> None:
        """Count a tensor that now exists; refuse going on past the limits."""
        self._refuse_if_over(elements, name, op)
        self.total += elements
