"""Output shapes of the layer ops (engine/ops_layers.py) told by plain rules on shape tuples,
as engine/shape_rules.py tells the others: the shape, None where torch refuses, or
ASK_TORCH for a case the rules leave to torch's own checks."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

_CONV = {"conv1d": 1, "conv2d": 2}
_CONV_TRANSPOSE = {"conv_transpose1d": 1, "conv_transpose2d": 2}
_POOL = {"max_pool1d": 1, "max_pool2d": 2, "avg_pool1d": 1, "avg_pool2d": 2}


def layer_shape(op: str, shapes: list[tuple[int, ...]], params: Mapping[str, Any],
                ask: Any) -> Any:
    """op's output shape on inputs of these shapes, None, or `ask` (ASK_TORCH)."""
    if op in _CONV:
        return _conv(_CONV[op], shapes, params, ask)
    if op in _CONV_TRANSPOSE:
        return _conv_transpose(_CONV_TRANSPOSE[op], shapes, params, ask)
    if op in _POOL:
        return _pool(op, _POOL[op], shapes[0], params, ask)
    if op in ("adaptive_avg_pool2d", "adaptive_max_pool2d"):
        x, size = shapes[0], list(params.get("output_size", [1, 1]))
        if len(x) not in (3, 4):
            return None  # torch: 3D or 4D input
        if len(size) != 2 or min(size) < 0 or 0 in x[1:]:
            return ask
        return (*x[:-2], *size)
    if op == "batch_norm":
        x, w, b = shapes
        if len(x) < 2 or w != (x[1],) or b != (x[1],) or 0 in x:
            return ask  # torch's checks (and its words) for a shape it refuses
        if params.get("training", True):  # torch: more than 1 value per channel
            return None if math.prod(x) // x[1] == 1 else x
        stats = [len(params.get(k, [])) for k in ("running_mean", "running_var")]
        return x if stats == [x[1], x[1]] else None  # torch: a running number per channel
    return ask


def _out(length: int, kernel: int, stride: int, pad: int, dilation: int,
         ceil_mode: bool = False) -> int:
    span = length + 2 * pad - dilation * (kernel - 1) - 1
    out = -(-span // stride) + 1 if ceil_mode else span // stride + 1
    if ceil_mode and (out - 1) * stride >= length + pad:
        out -= 1  # torch: the last window must start inside the input or its left padding
    return out


def _conv(n: int, shapes: list[tuple[int, ...]], params: Mapping[str, Any], ask: Any) -> Any:
    x, w, b = shapes
    if len(x) not in (n + 1, n + 2) or len(w) != n + 2:
        return None  # torch: a (batched) input of n + 1 or n + 2 dims, an (n + 2)-dim weight
    groups = params.get("groups", 1)
    stride, pad, dilation = (list(params.get(k, [d] * n)) for k, d in (
        ("stride", 1), ("padding", 0), ("dilation", 1)))
    if not all(len(v) == n for v in (stride, pad, dilation)) or groups < 1 or \
            min(stride) < 1 or min(dilation) < 1 or min(pad) < 0 or 0 in x or 0 in w:
        return ask
    channels, lengths = x[-n - 1], x[-n:]
    if b != (w[0],):
        return ask  # a bias of another shape: torch's own checks (a 0-d one it takes)
    if channels != w[1] * groups or w[0] % groups:
        return None  # torch: the input's channels and the groups must fit
    if params.get("padding_same"):
        return (*x[:-n - 1], w[0], *lengths) if stride == [1] * n else None
    out = [_out(length, k, s, p, d) for length, k, s, p, d in zip(
        lengths, w[2:], stride, pad, dilation, strict=True)]
    return (*x[:-n - 1], w[0], *out) if min(out) > 0 else None


def _conv_transpose(n: int, shapes: list[tuple[int, ...]], params: Mapping[str, Any],
                    ask: Any) -> Any:
    """The weight is (in_channels, out_channels / groups, *kernel); each length becomes
    (length − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1."""
    x, w, b = shapes
    if len(x) not in (n + 1, n + 2) or len(w) != n + 2:
        return None  # torch: a (batched) input of n + 1 or n + 2 dims, an (n + 2)-dim weight
    groups = params.get("groups", 1)
    stride, pad, extra, dilation = (list(params.get(k, [d] * n)) for k, d in (
        ("stride", 1), ("padding", 0), ("output_padding", 0), ("dilation", 1)))
    if not all(len(v) == n for v in (stride, pad, extra, dilation)) or groups < 1 or \
            min(stride) < 1 or min(dilation) < 1 or min(pad) < 0 or min(extra) < 0 or \
            0 in x or 0 in w:
        return ask
    if b != (w[1] * groups,):
        return ask  # a bias of another shape: torch's own checks
    if x[-n - 1] != w[0] or w[0] % groups:
        return None  # torch: the input's channels are the weight's first dim, in groups
    if any(e >= s and e >= d for e, s, d in zip(extra, stride, dilation, strict=True)):
        return None  # torch: output padding must be smaller than either stride or dilation
    out = [(length - 1) * s - 2 * p + d * (k - 1) + e + 1 for length, k, s, p, e, d in zip(
        x[-n:], w[2:], stride, pad, extra, dilation, strict=True)]
    if min(out) <= 0:  # torch refuses a negative size; an empty one it makes or refuses
        return None if min(out) < 0 else ask  # by the kernel its call picks
    return (*x[:-n - 1], w[1] * groups, *out)


def _pool(op: str, n: int, x: tuple[int, ...], params: Mapping[str, Any], ask: Any) -> Any:
    if len(x) not in (n + 1, n + 2):
        return None  # torch: a (batched) input of n + 1 or n + 2 dims
    kernel, stride, pad = (list(params.get(k, [d] * n)) for k, d in (
        ("kernel_size", 2), ("stride", 2), ("padding", 0)))
    dilation = list(params.get("dilation", [1] * n)) if op.startswith("max") else [1] * n
    if not all(len(v) == n for v in (kernel, stride, pad, dilation)) or min(kernel) < 1 or \
            min(stride) < 1 or min(dilation) < 1 or min(pad) < 0 or 0 in x:
        return ask
    if any(2 * p > k for p, k in zip(pad, kernel, strict=True)):
        return ask  # torch: padding at most half the kernel, in its own words
    ceil_mode = bool(params.get("ceil_mode", False))
    out = [_out(length, k, s, p, d, ceil_mode) for length, k, s, p, d in zip(
        x[-n:], kernel, stride, pad, dilation, strict=True)]
    return (*x[:-n], *out) if min(out) > 0 else ask
