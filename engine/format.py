"""Short text for tensors: node labels, bar labels, tooltips. No Qt."""

from __future__ import annotations

import math
from typing import Any


def number(v: float, digits: int = 4) -> str:
    """`4`, `0.5`, `-1.333`, `1.2e+06`, `nan`, `inf`."""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == int(v) and abs(v) < 1e6:
        return str(int(v))
    text = f"{v:.{digits}g}"
    return text


def _nested(value: Any, digits: int) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_nested(v, digits) for v in value) + "]"
    return number(value, digits)


def shape_text(shape: tuple[int, ...] | list[int]) -> str:
    return "scalar" if len(shape) == 0 else "×".join(str(n) for n in shape)


def preview(t: Any, max_elements: int = 6, digits: int = 4) -> str:
    """Compact value: `12`, `[4, 3]`, `[[1, 2], [3, 4]]`; long tensors elided with the shape."""
    if t is None:
        return "None"
    shape = tuple(t.shape)
    count = 1
    for n in shape:
        count *= n
    if count <= max_elements and len(shape) <= 2:
        return _nested(t.tolist(), digits)
    flat = t.reshape(-1)[:3].tolist()
    head = ", ".join(number(v, digits) for v in flat)
    return f"[{head}, …] ({shape_text(shape)})"


def element_labels(name: str, shape: tuple[int, ...]) -> list[str]:
    """`x` for a scalar, `x[0]`, `x[1]` for a vector, `W[1,2]` for a matrix (row-major)."""
    if len(shape) == 0:
        return [name]
    labels = [""]
    for n in shape:
        labels = [f"{p},{i}" if p else str(i) for p in labels for i in range(n)]
    return [f"{name}[{idx}]" for idx in labels]
