"""The text of an `index` node's key, `x[0, 1:3]` → "0, 1:3", and back: what the document
stores (files hold it as a string) and what the run gives torch. Integers, slices, None,
`...`, lists of integers and masks of booleans (a tensor in a key is written as its list).
"""

from __future__ import annotations

import json
from typing import Any


def format_index(key: tuple[Any, ...]) -> str | None:
    """`x[0, :, 1:3]`'s key as the text between the brackets, or None when it holds more
    than integers, slices, None, `...` and lists of integers (`y_hat[[0, 1], y]`: an integer
    tensor in the key is written as the list of its values)."""
    parts = []
    for item in key:
        if hasattr(item, "tolist") and _integral(item):  # a tensor or a numpy array
            item = item.tolist()
        if isinstance(item, list):
            if not (_int_lists(item) or _bool_lists(item)):
                return None
            parts.append(json.dumps(item).replace("true", "True").replace("false", "False"))
            continue
        if isinstance(item, bool) or not (item is None or item is Ellipsis or isinstance(
                item, int | slice)):
            return None
        if isinstance(item, slice):
            ends = (item.start, item.stop, item.step)
            if not all(e is None or (isinstance(e, int) and not isinstance(e, bool))
                       for e in ends):
                return None
            text = ":".join("" if e is None else str(e) for e in ends[:2])
            parts.append(text + (f":{item.step}" if item.step is not None else ""))
        else:
            parts.append("None" if item is None else "..." if item is Ellipsis else str(item))
    return ", ".join(parts)


def _integral(array: Any) -> bool:
    """Whether a tensor's or numpy array's elements are integers or booleans."""
    kind = getattr(array.dtype, "kind", None)  # numpy's dtype has one; torch's has not
    if kind is not None:
        return kind in ("b", "i", "u")
    return not array.is_floating_point() and not array.is_complex()


def _int_lists(item: Any) -> bool:
    """Whether item is a non-empty list of integers, or of such lists."""
    if isinstance(item, list):
        return bool(item) and all(_int_lists(i) for i in item)
    return isinstance(item, int) and not isinstance(item, bool)


def _bool_lists(item: Any) -> bool:
    """Whether item is a non-empty list of booleans (a mask), or of such lists."""
    if isinstance(item, list):
        return bool(item) and all(_bool_lists(i) for i in item)
    return isinstance(item, bool)


def _top_level_parts(text: str) -> list[str]:
    """text split at the commas outside brackets: '[0, 1], 2' → ['[0, 1]', ' 2']."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "[") - (ch == "]")
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def parse_index(text: str) -> tuple[Any, ...]:
    """The key `format_index` wrote: ints, slices (a:b:c), None, '...' and lists of ints
    ('[0, 1]'). ValueError else."""
    key: list[Any] = []
    for part in _top_level_parts(str(text)):
        part = part.strip()
        if part.startswith("["):
            # JSON, never Python: numbers, True/False and brackets only
            items = json.loads(part.replace("True", "true").replace("False", "false"))
            if not (_int_lists(items) or _bool_lists(items)):
                raise ValueError(f"{part!r} is not a list of integers or booleans")
            key.append(items)
        elif part == "None":
            key.append(None)
        elif part == "...":
            key.append(Ellipsis)
        elif ":" in part:
            ends = part.split(":")
            if len(ends) > 3:
                raise ValueError(f"{part!r} is not a slice")
            key.append(slice(*(int(e) if e.strip() else None for e in ends)))
        else:
            key.append(int(part))
    return tuple(key)
