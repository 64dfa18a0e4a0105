"""Short text for tensors: node labels, bar labels, tooltips. No Qt."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

MINUS = "\u2212"  # −: as wide as a digit, so the sign of a small label is never missed


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


def number_forms(v: float, digits: int = 4) -> list[str]:
    """Ways to write v on a label, most significant digits first and each narrower than the
    one before: `−0.08812`, `−0.0881`, `−0.088`, `−0.09`; scientific notation where it is
    the narrower way (`1.2e-4` before `0.00012`). Every form keeps the sign as a typographic
    minus; a view shows the first form that fits its box (`fitted_number`)."""
    if isinstance(v, bool | int) or not math.isfinite(v) or (v == int(v) and abs(v) < 1e6):
        return [number(v).replace("-", MINUS, 1)]
    sign, size = (MINUS if v < 0 else ""), abs(v)
    candidates = []  # (significant digits, width, text)
    for d in range(digits, 0, -1):
        for text in (f"{size:.{d}g}", _short_exponent(f"{size:.{d - 1}e}")):
            text = _short_exponent(text)
            candidates.append((d, len(text), sign + text))
    out: list[str] = []
    for _, width, text in sorted(candidates, key=lambda c: (-c[0], c[1])):
        if not out or width < len(out[-1]) - len(sign):
            out.append(text)
    return out


def _short_exponent(text: str) -> str:
    """`1.200e+06` → `1.2e6`, `3e-05` → `3e-5`: padding costs width, not meaning."""
    mantissa, e, exponent = text.partition("e")
    if not e:
        return text
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    sign = "-" if exponent.startswith("-") else ""
    return f"{mantissa}e{sign}{int(exponent.lstrip('+-'))}"


def fitted_number(v: float, fits: Callable[[str], bool], digits: int = 4) -> str | None:
    """The most precise form of v (see `number_forms`) that `fits`; None if none does."""
    return next((text for text in number_forms(v, digits) if fits(text)), None)


def fitted_numbers(values: list[float], fits: Callable[[str], bool]) -> list[str] | None:
    """Each value in its most precise form that fits; None as soon as one does not fit."""
    out = []
    for value in values:
        text = fitted_number(value, fits)
        if text is None:
            return None
        out.append(text)
    return out


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


def element_index(label: str, name: str) -> str | None:
    """`W[0,1]` of leaf `W` → `0,1` (what is left under a group headed `W`); None for a
    label that is not one of the leaf's elements (a scalar leaf's label is its name)."""
    return label[len(name) + 1:-1] if label.startswith(name + "[") else None


CHART_LEGENDS = ("  (bars: your v · dashed: v = ones)", "  (dashed: v = ones)", "")


def chart_titles(leaf_names: list[str], warning: str = "",
                 legends: tuple[str, ...] = CHART_LEGENDS) -> list[str]:
    """The input-gradient chart's title, naming the real leaves (`W.grad, b.grad = vᵀJ`),
    longest first: a view shows the first one that fits its width."""
    warnings = [f"   {warning}", "   ⚠ not finite", " ⚠"] if warning else [""]
    return [f"{t} = vᵀJ{legend}{w}" for w in warnings for legend in legends
            for t in _grad_names(leaf_names)]


def replay_chart_titles(leaf_names: list[str]) -> list[str]:
    """The chart's title while a replay of several calls shows .grad adding up (after call 2
    it is no longer vᵀJ of one call), longest first."""
    return [f"{t} so far in the replay" for t in _grad_names(leaf_names)] + \
        [".grad so far in the replay", ".grad so far"]


def _grad_names(leaf_names: list[str]) -> list[str]:
    """`W.grad, b.grad`, then shorter ways to say the same."""
    names = [f"{n}.grad" for n in leaf_names]
    lead = [", ".join(names)] if names else [".grad"]  # no leaf: no name to give
    if len(names) > 2:
        lead += [f"{names[0]}, … {names[-1]} ({len(names)} leaves)",
                 f"{len(names)} leaves' .grad"]
    return lead
