"""Number literals typed by users: `2`, `[1, 0.5]`, `[[1, 2], [3, 4]]`.

Used by the seed form, the inspector, `--gradient` and the file reader alike. The text is
parsed with `ast` and only number/list nodes are accepted: nothing is ever evaluated.
"""

from __future__ import annotations

import ast
import math
from typing import Any

from engine.limits import VALUE_ELEMENTS, VALUE_NESTING

Nested = float | int | bool | list[Any]

MAX_ELEMENTS = VALUE_ELEMENTS.value  # old names, kept for the modules that import them
MAX_DEPTH = VALUE_NESTING.value
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # what torch.tensor takes as an integer


class LiteralError(ValueError):
    """Text that is not a rectangular number literal. `column` is 0-based or None."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column


def parse_literal(text: str) -> Nested:
    """Parse `text` into nested Python lists of numbers, refusing anything else."""
    stripped = text.strip()
    if not stripped:
        raise LiteralError("empty: type a number or a list such as [1, 0.5]")
    if len(stripped) > 20 * MAX_ELEMENTS:
        raise LiteralError(f"too long: {VALUE_ELEMENTS.message()}")
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        col = (exc.offset - 1) if exc.offset else None
        raise LiteralError(f"not a number literal: {exc.msg} at column {exc.offset}", col) from None
    except RecursionError:
        raise LiteralError(f"nested too deep: {VALUE_NESTING.message()}") from None
    value = _convert(tree.body, stripped, 0)
    check_rectangular(value)
    return value


def _convert(node: ast.AST, text: str, depth: int) -> Nested:
    if depth > MAX_DEPTH:
        raise LiteralError(f"nested too deep: {VALUE_NESTING.message(depth)}")
    if isinstance(node, ast.List | ast.Tuple):
        return [_convert(elt, text, depth + 1) for elt in node.elts]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _convert(node.operand, text, depth + 1)
        if isinstance(inner, list):
            raise _bad(node, text)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.Constant) and isinstance(node.value, bool | int | float):
        value = node.value
        if isinstance(value, float) and not math.isfinite(value):
            raise LiteralError(f"{_segment(node, text)} is not a finite number",
                               getattr(node, "col_offset", None))
        if isinstance(value, int) and not isinstance(value, bool) and not (
                INT64_MIN <= value <= INT64_MAX):
            raise LiteralError(f"{_segment(node, text)} is too large for a 64-bit integer",
                               node.col_offset)
        return value
    raise _bad(node, text)


def _segment(node: ast.AST, text: str) -> str:
    seg = ast.get_source_segment(text, node) or type(node).__name__
    return seg if len(seg) <= 40 else seg[:37] + "..."


def _bad(node: ast.AST, text: str) -> LiteralError:
    seg = _segment(node, text)
    col = getattr(node, "col_offset", None)
    where = f" at column {col + 1}" if col is not None else ""
    if seg.lower() in {"nan", "inf", "infinity", "-inf"}:
        return LiteralError(f"{seg!r}{where} is not a finite number", col)
    return LiteralError(f"{seg!r}{where} is not a number", col)


def shape_of(value: Nested) -> tuple[int, ...]:
    """Shape of a rectangular nested list (() for a number)."""
    shape: list[int] = []
    while isinstance(value, list):
        shape.append(len(value))
        if not value:
            break
        value = value[0]
    return tuple(shape)


def check_rectangular(value: Nested, finite: bool = True) -> tuple[int, ...]:
    """Raise LiteralError if rows differ in length, the nesting or element count is over its
    limit, or an integer does not fit in 64 bits (torch could not hold it, and a file could
    not be read back). `finite=False`: inf and nan are numbers too (a tensor's values read
    from code, `torch.tensor([0.0, math.inf])`); what a user types stays finite."""
    shape = shape_of(value)
    if VALUE_NESTING.exceeded(len(shape)):
        raise LiteralError(f"nested too deep: {VALUE_NESTING.message(len(shape))}")
    count = 1
    for n in shape:
        count *= n
    if VALUE_ELEMENTS.exceeded(count):
        raise LiteralError(f"{count:,} elements: {VALUE_ELEMENTS.message()}")

    def walk(v: Nested, depth: int, path: str) -> None:
        if depth == len(shape):
            if isinstance(v, list):
                raise LiteralError(f"element {path or '[]'} is a list where a number belongs")
            if isinstance(v, complex):
                raise LiteralError(f"element {path or '[]'} is the complex number {v}: Gradflow "
                                   "computes with real numbers (complex tensors are not read)")
            if not isinstance(v, bool | int | float) or (
                finite and isinstance(v, float) and not math.isfinite(v)
            ):
                raise LiteralError(f"element {path or '[]'} is not a finite number")
            if isinstance(v, int) and not INT64_MIN <= v <= INT64_MAX:
                what = f"element {path}" if path else "the number"
                raise LiteralError(f"{what} {_short_int(v)} is too large for a 64-bit integer; "
                                   "write it with a decimal point to make it a float")
            return
        if not isinstance(v, list):
            raise LiteralError(f"element {path or '[]'} is a number where a list belongs")
        if len(v) != shape[depth]:
            raise LiteralError(
                f"ragged: row {path or '[]'} has {len(v)} entries, expected {shape[depth]}"
            )
        for i, item in enumerate(v):
            walk(item, depth + 1, f"{path}[{i}]")

    if not _plain_rectangle(value, shape, finite):
        walk(value, 0, "")  # which element is wrong, named by its path (the slow way)
    return shape


def _plain_rectangle(value: Nested, shape: tuple[int, ...], finite: bool) -> bool:
    """Whether `value` is a rectangle of this shape of finite (or, finite=False, any) floats,
    ints in 64 bits and bools: the common case, checked without naming each element's path
    (a 100,000-number tensor in milliseconds, not tenths of a second)."""
    rows: list[Any] = [value]
    for size in shape:
        if not all(type(r) is list and len(r) == size for r in rows):
            return False
        rows = [x for r in rows for x in r]
    for x in rows:
        kind = type(x)
        if kind is float:
            if finite and not math.isfinite(x):
                return False
        elif kind is int:
            if not INT64_MIN <= x <= INT64_MAX:
                return False
        elif kind is not bool:
            return False
    return True


def _short_int(value: int) -> str:
    if abs(value) < 10 ** 24:
        return str(value)
    # str() itself refuses past 4300 digits: count them without it
    digits = len(str(abs(value))) if abs(value) < 10 ** 4000 else "over 4000"
    return f"(an integer of {digits} digits)"


def all_integers(value: Nested) -> bool:
    if isinstance(value, list):
        return all(all_integers(v) for v in value)
    return isinstance(value, int)


NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def to_json_numbers(value: Nested) -> Any:
    """A value for a JSON file: inf and nan spelled "Infinity", "-Infinity", "NaN" (JSON has
    no such numbers), as `gradflow compute --json` spells them."""
    if isinstance(value, list):
        return [to_json_numbers(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    return value


def from_json_numbers(value: Any) -> Any:
    """The inverse of to_json_numbers; anything else is left for the checks to refuse."""
    if isinstance(value, list):
        return [from_json_numbers(v) for v in value]
    if isinstance(value, str) and value in NON_FINITE:
        return NON_FINITE[value]
    return value


def format_literal(value: Nested) -> str:
    """Inverse of parse_literal for display and generated code: `[1.0, 0.5]`."""
    if isinstance(value, list):
        return "[" + ", ".join(format_literal(v) for v in value) + "]"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return repr(value)
    return str(value)
