"""Output shapes of the registry's ops told by plain rules on shape tuples, without torch.

Asking torch on the meta device costs 0.1-1 ms an op, and its first elementwise, reduction or
matmul call imports sympy (≈ 0.6 s that `python snippet.py` never pays). The rules cover the
common cases; `ASK_TORCH` means they do not cover this one, None that torch will refuse.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from engine.addmm_ops import NAMES as ADDMM_OPS
from engine.addmm_ops import shape as addmm_shape
from engine.grad_op import GRAD_OP
from engine.grad_op import shape as grad_shape
from engine.loss_ops import ASK, LOSS_NAMES, loss_shape
from engine.more_ops import NAMES as MORE_OPS
from engine.more_ops import shape as more_shape
from engine.science_ops import NAMES as SCIENCE_OPS
from engine.science_ops import shape as science_shape
from engine.shape_rules_layers import layer_shape

ASK_TORCH: Any = object()  # the rules here do not cover this case
_SAME = frozenset({"neg", "exp", "log", "sin", "cos", "tanh", "sigmoid", "relu", "sqrt", "abs",
                   "square", "clone", "contiguous", "detach", "grad_hook", "clamp", "leaky_relu",
                   "custom_backward",
                   "hardtanh", "relu6", "elu", "softplus", "gelu", "sign", "reciprocal", "rsqrt",
                   "tan", "atan", "asin", "acos", "sinh", "cosh", "erf", "log1p", "expm1",
                   "log2", "log10", "round", "floor", "ceil", "trunc"})
ELEMENTWISE = frozenset({"add", "sub", "mul", "div", "pow", "maximum", "minimum"})
_PAIR_LOSSES = frozenset({"mse_loss", "l1_loss", "binary_cross_entropy",
                          "binary_cross_entropy_with_logits", "smooth_l1_loss", "huber_loss",
                          "kl_div"})
CLASS_LOSSES = frozenset({"cross_entropy", "nll_loss"})


def broadcast(shapes: Sequence[tuple[int, ...]]) -> tuple[int, ...] | None:
    """torch's broadcasting rule on plain tuples (torch.broadcast_shapes costs ~40 µs a call,
    and runs are hot); None where torch would refuse."""
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for shape in shapes:
        for i, n in enumerate(shape, ndim - len(shape)):
            if n != 1:
                if out[i] not in (1, n):
                    return None
                out[i] = n
    return tuple(out)


def rule_shape(op: str, shapes: list[tuple[int, ...]], params: Mapping[str, Any]) -> Any:
    """op's output shape on inputs of these shapes, None, or ASK_TORCH."""
    if op in _SAME:
        return shapes[0]
    if op in ELEMENTWISE:
        return broadcast(shapes)
    if op in ("softmax", "log_softmax"):
        if not shapes[0] or not _dim_ok(params.get("dim", -1), len(shapes[0])):
            return ASK_TORCH  # the meta device is more lenient here than the CPU
        return shapes[0]
    if op in ("sum", "mean", "norm", "amax", "amin", "var", "std", "prod", "logsumexp",
              "linalg_vector_norm"):
        dim = params.get("dim", 0 if op == "logsumexp" else None)  # the registry's defaults
        return _reduced(shapes[0], dim, bool(params.get("keepdim", False)))
    if op == "matmul":
        return _matmul(shapes[0], shapes[1])
    if op in ("cumsum", "cumprod", "flip", "tril", "triu", "trace", "outer"):
        return _kept(op, shapes, params)
    if op == "cosine_similarity":  # broadcast, then the vectors' dim is summed away
        joint = broadcast(shapes)
        dim = params.get("dim", 1)
        if not all(shapes) or joint is None or not _dim_ok(dim, len(joint)):
            return ASK_TORCH  # a number, a 0-d tensor: left to torch's own checks
        return joint[:dim % len(joint)] + joint[dim % len(joint) + 1:]
    if op == "layer_norm":  # the input's shape, when it ends in the normalized one
        norm = tuple(params.get("normalized_shape", (1,)))
        if not norm or len(norm) > len(shapes[0]):
            return ASK_TORCH
        ok = shapes[0][len(shapes[0]) - len(norm):] == norm == shapes[1] == shapes[2]
        return shapes[0] if ok else None  # torch: weight, bias and input's end must match
    if op == "pad":
        return _padded(shapes[0], list(params.get("pad", [0, 0])))
    if op == "transpose":
        return _transposed(shapes[0], params.get("dim0", 0), params.get("dim1", 1))
    if op == "reshape":
        return _reshaped(shapes[0], tuple(params.get("shape", (-1,))))
    if op in _PAIR_LOSSES:
        if params.get("reduction", "mean") != "none":
            return () if shapes[0] == shapes[1] else ASK_TORCH
        return shapes[0] if shapes[0] == shapes[1] else ASK_TORCH
    if op == "linear":
        (x, w, b) = shapes
        if len(w) != 2 or not x or b != (w[0],):
            return ASK_TORCH
        return (*x[:-1], w[0]) if x[-1] == w[1] else None
    if op in CLASS_LOSSES and params.get("reduction", "mean") != "none":
        (x, target) = shapes
        if (len(x) == 2 and target == x[:1]) or (len(x) == 1 and target == ()):
            return ()
    if op == GRAD_OP:  # engine/grad_op.py
        return grad_shape(shapes)
    if op in MORE_OPS:  # engine/more_ops.py; a matrix op of a non-square input: torch's words
        found = more_shape(op, shapes)
        return ASK_TORCH if found is None else found
    if op in ADDMM_OPS:  # engine/addmm_ops.py: None where torch refuses, in its words
        return addmm_shape(op, shapes)
    if op in SCIENCE_OPS:  # engine/science_ops.py: None where torch refuses, ... to ask it
        found = science_shape(op, shapes, params)
        return ASK_TORCH if found is ... else found
    if op in LOSS_NAMES:  # engine/loss_ops.py
        told = loss_shape(op, shapes, params, broadcast)
        return ASK_TORCH if told is ASK else told
    return layer_shape(op, shapes, params, ASK_TORCH)  # convolutions, pools, batch norm


def _dim_ok(dim: Any, ndim: int) -> bool:
    return isinstance(dim, int) and -max(ndim, 1) <= dim < max(ndim, 1)


def _reduced(shape: tuple[int, ...], dim: Any, keepdim: bool) -> Any:
    if dim is None:
        return tuple(1 for _ in shape) if keepdim else ()
    dims = list(dim) if isinstance(dim, list | tuple) else [dim]
    if not all(_dim_ok(d, len(shape)) for d in dims):
        return None
    picked = {d % max(len(shape), 1) for d in dims}
    if len(picked) != len(dims):
        return None  # torch: dim appears multiple times
    if not shape:
        return ()
    return tuple(1 if i in picked else n for i, n in enumerate(shape)
                 if keepdim or i not in picked)


def _kept(op: str, shapes: list[tuple[int, ...]], params: Mapping[str, Any]) -> Any:
    """cumsum, cumprod, flip, tril, triu keep the shape; trace and outer: a matrix's and two
    vectors'."""
    shape = shapes[0]
    if op in ("cumsum", "cumprod"):
        return shape if _dim_ok(params.get("dim", 0), len(shape)) else None
    if op == "flip":
        dims = params.get("dims", (0,))
        dims = list(dims) if isinstance(dims, list | tuple) else [dims]
        return shape if all(_dim_ok(d, len(shape)) for d in dims) and shape else ASK_TORCH
    if op == "outer":
        return (shape[0], shapes[1][0]) if len(shape) == 1 and len(shapes[1]) == 1 else ASK_TORCH
    if op == "trace":
        return () if len(shape) == 2 else None
    return shape if len(shape) >= 2 else None  # tril, triu


def _padded(shape: tuple[int, ...], pad: list[int]) -> Any:
    """F.pad's constant mode: (before, after) pairs from the last dim back."""
    if len(pad) % 2 or len(pad) > 2 * len(shape):
        return None  # torch: divisible by 2, at most two times the input dimension
    out = list(shape)
    for i in range(len(pad) // 2):
        out[-1 - i] += pad[2 * i] + pad[2 * i + 1]
    return tuple(out) if all(n > 0 for n in out) else ASK_TORCH  # cut to 0 or less: torch's


def _matmul(a: tuple[int, ...], b: tuple[int, ...]) -> Any:
    if not a or not b:
        return None  # torch: both arguments need at least 1 dimension
    if len(a) == 1 and len(b) == 1:
        return () if a == b else None
    if len(a) <= 2 and len(b) <= 2:
        rows = a[:-1] if len(a) == 2 else ()
        inner_a = a[-1]
        inner_b = b[0] if len(b) == 2 else b[0]
        cols = (b[1],) if len(b) == 2 else ()
        return (*rows, *cols) if inner_a == inner_b else None
    return ASK_TORCH  # batched: broadcasting of batch dims, left to torch


def _transposed(shape: tuple[int, ...], d0: Any, d1: Any) -> Any:
    if not (_dim_ok(d0, len(shape)) and _dim_ok(d1, len(shape))):
        return None
    if not shape:
        return ()
    out = list(shape)
    i, j = d0 % len(shape), d1 % len(shape)
    out[i], out[j] = out[j], out[i]
    return tuple(out)


def _reshaped(shape: tuple[int, ...], new: tuple[int, ...]) -> Any:
    total = math.prod(shape)
    if new.count(-1) > 1 or any(n < -1 for n in new):
        return None
    known = math.prod(n for n in new if n != -1)
    if -1 in new:
        if known == 0 or total % known:
            return None
        return tuple(total // known if n == -1 else n for n in new)
    return new if known == total else None
