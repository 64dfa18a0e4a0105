"""One keyword argument of a registry op (`Param`) and the check of a value given for it,
used by the registry, the snippet importer and the inspector alike."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from engine.index_text import format_index, parse_index


@dataclass(frozen=True)
class Param:
    """One keyword argument of an op.

    kind: "int", "float", "order" (a number, or ±inf: a norm's p; a file spells the
    infinities "inf" and "-inf", engine/filefields.py), "bool", "choice", "dims" (None, an
    int, or a tuple of ints), "shape" (a tuple of ints, -1 allowed once), "ints" (a list of
    ints of any sign: F.pad's pad), "dtype" (a dtype name), "index" (the text between the
    brackets of x[...]: integers, slices, None, ...), "bound" (None or a number: clamp's
    min and max), "text" (a string of up to 100 characters: einsum's equation),
    "numbers" (a list of numbers, a 1-d tensor's, [] for none: a loss's class weights),
    "expression" (a gradient expression, engine/grad_expression.py; "" for none; choices:
    the names it reads).
    """

    name: str
    kind: str
    default: Any
    choices: tuple[str, ...] = ()
    help: str = ""
    # What the inspector shows beside the field where the keyword is no torch name a learner
    # knows (a hook's call window); empty: the name itself.
    label: str = ""


def check_param(param: Param, value: Any) -> Any:
    """Return `value` normalised for `param`, or raise ValueError saying what is wrong."""
    def is_int(v: Any) -> bool:  # within int64: what torch takes, and what a file reads back
        return isinstance(v, int) and not isinstance(v, bool) and -(2**63) <= v < 2**63

    if param.kind == "int" and is_int(value):
        return value
    if param.kind == "float" and (is_int(value) or isinstance(value, float)) \
            and math.isfinite(value):
        return float(value)
    if param.kind == "order" and (is_int(value) or isinstance(value, float)) \
            and not math.isnan(value):
        return float(value)
    if param.kind == "bool" and isinstance(value, bool):
        return value
    if param.kind == "bound" and (value is None or ((is_int(value) or isinstance(value, float))
                                                    and math.isfinite(value))):
        return None if value is None else float(value)
    if param.kind in ("choice", "dtype") and value in param.choices:
        return value
    if param.kind == "index" and isinstance(value, str):
        try:
            return format_index(parse_index(value)) or value
        except (ValueError, TypeError):
            pass
    if param.kind == "dims":
        if value is None or is_int(value):
            return value
        if isinstance(value, list | tuple) and value and all(is_int(v) for v in value):
            return tuple(value)
    if param.kind == "text" and isinstance(value, str) and 0 < len(value.strip()) <= 100:
        return value.strip()
    if param.kind == "expression" and isinstance(value, str):
        from engine.grad_expression import check_text

        if not value.strip():
            return ""
        try:  # choices: the names it reads (a hook's g; a backward's saved tensors too)
            return check_text(value, param.choices or ("g",))
        except ValueError as exc:
            raise ValueError(f"{param.name} may not use {exc}") from None
    if param.kind == "ints" and isinstance(value, list | tuple) and all(is_int(v) for v in value):
        return list(value)
    if param.kind == "numbers" and isinstance(value, list | tuple) and all(
            (is_int(v) or isinstance(v, float)) and math.isfinite(v) for v in value):
        return [float(v) for v in value]
    if param.kind == "shape" and isinstance(value, list | tuple) and all(is_int(v) for v in value):
        if sum(1 for v in value if v == -1) <= 1 and all(v >= -1 for v in value):
            return tuple(value)
    expected = {
        "int": "an integer", "float": "a number", "bool": "true or false",
        "order": "a number, inf or -inf",
        "bound": "None or a number",
        "choice": "one of " + ", ".join(param.choices),
        "dtype": "one of " + ", ".join(param.choices),
        "index": "integers, slices, lists of integers and masks of booleans as written "
                 "between brackets, e.g. '0, 1:3' or '[0, 1], [2, 0]' or '[True, False]'",
        "dims": "None, an integer or a list of integers",
        "shape": "a list of integers (one -1 allowed)",
        "ints": "a list of integers",
        "numbers": "a list of numbers ([] for none)",
        "text": "a text of 1 to 100 characters",
        "expression": "a gradient expression of g",
    }[param.kind]
    raise ValueError(f"{param.name} must be {expected}, not {value!r}")
