"""Seed values as the form handles them: flat lists, nesting by shape, the PyTorch call.

Plain Python, no torch: the seed form and generated code share these.
"""

from __future__ import annotations

import math
from typing import Any

from engine.literal import Nested, format_literal


def count(shape: tuple[int, ...]) -> int:
    return math.prod(shape)


def flatten(value: Nested) -> list[float]:
    if isinstance(value, list):
        return [x for v in value for x in flatten(v)]
    return [float(value)]


def nest(flat: list[float], shape: tuple[int, ...]) -> Nested:
    if not shape:
        return flat[0]
    step = count(shape[1:])
    return [nest(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def is_number(value: Nested) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def backward_call(name: str, seed: Nested | None, enabled: bool,
                  shape: tuple[int, ...] | None) -> str:
    """The PyTorch call this output's settings amount to."""
    if not enabled:
        return f"{name}.backward()"
    if seed is None:
        if shape == ():
            return f"{name}.backward()"
        if shape is None:
            return f"{name}.backward(gradient=torch.ones_like({name}))"
        seed = nest([1.0] * count(shape), shape)
    return f"{name}.backward(gradient=torch.tensor({format_literal(as_floats(seed))}))"


def as_floats(value: Nested) -> Nested:
    if isinstance(value, list):
        return [as_floats(v) for v in value]
    return float(value)


def flat_raw(value: Nested) -> list[Any]:
    if isinstance(value, list):
        return [x for v in value for x in flat_raw(v)]
    return [value]
