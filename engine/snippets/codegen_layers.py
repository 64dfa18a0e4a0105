"""The code of the layer ops (engine/ops_layers.py) for engine/snippets/codegen.py: each
written as the torch call a learner writes, reading back to the same node."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.literal import format_literal
from engine.ops import get_op

# the layer ops written as F.<name>(...): the snippet needs torch.nn.functional as F
LAYER_FUNCTIONAL = ("conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "max_pool1d",
                    "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool2d",
                    "adaptive_max_pool2d", "batch_norm")


def _python(value: object) -> str:
    if isinstance(value, tuple | list):
        inner = ", ".join(_python(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def _keywords(op: str, params: Mapping[str, Any], always: tuple[str, ...] = ()) -> list[str]:
    """name=value for each param away from the registry's default (and those in `always`)."""
    out = []
    for p in get_op(op).params:
        value = params.get(p.name, p.default)
        if p.name in always or value != p.default:
            out.append(f"{p.name}={_python(value)}")
    return out


def _conv(op: str, args: list[str], params: Mapping[str, Any]) -> str:
    given = {k: v for k, v in params.items() if k != "padding_same"}
    words = _keywords(op, given)
    if params.get("padding_same"):
        words = [w for w in words if not w.startswith("padding=")] + ["padding='same'"]
    return f"F.{op}({', '.join([*args, *words])})"


def _pool(op: str, args: list[str], params: Mapping[str, Any]) -> str:
    # torch's stride defaults to the kernel size, the registry's to 2: always written
    return f"F.{op}({', '.join([*args, *_keywords(op, params, ('kernel_size', 'stride'))])})"


def _adaptive(op: str, args: list[str], params: Mapping[str, Any]) -> str:
    return f"F.{op}({args[0]}, {_python(params.get('output_size', [1, 1]))})"


def _batch_norm(op: str, args: list[str], params: Mapping[str, Any]) -> str:
    x, weight, bias = args
    eps = params.get("eps", 1e-5)
    tail = "" if eps == 1e-5 else f", eps={eps!r}"
    if params.get("training", True):
        return f"F.batch_norm({x}, None, None, {weight}, {bias}, training=True{tail})"
    stats = [f"torch.tensor({format_literal(list(params.get(name, [])))}, dtype={x}.dtype)"
             for name in ("running_mean", "running_var")]
    return f"F.batch_norm({x}, {stats[0]}, {stats[1]}, {weight}, {bias}{tail})"


def _einsum(op: str, args: list[str], params: Mapping[str, Any]) -> str:
    equation = params.get("equation", get_op(op).param("equation").default)
    return f"torch.einsum({equation!r}, {', '.join(args)})"


_WRITERS: dict[str, Callable[[str, list[str], Mapping[str, Any]], str]] = {
    "conv1d": _conv, "conv2d": _conv, "conv_transpose1d": _conv, "conv_transpose2d": _conv,
    "max_pool1d": _pool, "max_pool2d": _pool,
    "avg_pool1d": _pool, "avg_pool2d": _pool, "adaptive_avg_pool2d": _adaptive,
    "adaptive_max_pool2d": _adaptive,
    "batch_norm": _batch_norm, "einsum_one": _einsum, "einsum_three": _einsum}


def layer_expression(op: str, args: list[str], params: Mapping[str, Any]) -> str | None:
    """The call computing a layer op on these operands, or None for another op."""
    writer = _WRITERS.get(op)
    return None if writer is None else writer(op, args, params)
