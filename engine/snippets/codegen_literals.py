"""Values written as Python source for a generated snippet: a tensor's `torch.tensor(...)`
call (its dtype only where torch would infer another), numbers and nested lists (inf and nan
as Python reads them back), params' tuples, and a comment line that cannot end early. No
torch import: these are texts."""

from __future__ import annotations

import math
import re

from engine.literal import Nested, all_integers, format_literal


def comment(text: str) -> str:
    """`text` as one comment line that cannot end early.

    Python ends a line at \\n and \\r, a form feed resets indentation, and editors (and
    str.splitlines) also break at \\v, NEL, U+2028/U+2029: a title holding one of them would
    become code. Every character that is not printable is written as its escape instead;
    so is a lone surrogate, which could not be written to a UTF-8 file at all."""
    return "# " + "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def code_literal(value: Nested) -> str:
    """format_literal, with inf and nan written as Python reads them back."""
    text = format_literal(value)
    if "inf" not in text and "nan" not in text:
        return text
    return re.sub(r"-?\b(inf|nan)\b", lambda m: f"float('{m.group()}')", text)


def tensor_code(value: Nested, dtype: str, requires_grad: bool | None) -> str:
    """`torch.tensor(...)` of these numbers, naming the dtype only where torch infers another."""
    args = [code_literal(value)]
    if dtype != inferred_dtype(value):
        args.append(f"dtype=torch.{dtype}")
    if requires_grad is not None:
        args.append(f"requires_grad={requires_grad}")
    return f"torch.tensor({', '.join(args)})"


def inferred_dtype(value: Nested) -> str:
    """The dtype torch.tensor gives these numbers when no dtype is written."""
    flat: list[object] = []
    stack: list[object] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        else:
            flat.append(item)
    if flat and all(isinstance(v, bool) for v in flat):
        return "bool"
    if all(isinstance(v, bool) for v in flat):
        return "float32"  # an empty list
    return "int64" if all_integers(value) else "float32"


def python_text(value: object) -> str:
    """A param's value as Python source: a tuple or list as a tuple (`(3,)`), ±inf (a norm's
    p) as `float('inf')`, else its repr."""
    if isinstance(value, tuple | list):
        inner = ", ".join(python_text(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, float) and not math.isfinite(value):
        return f"float('{value!r}')"
    return repr(value)
