"""The rules for the user's words in a document: node names, node ids, titles, descriptions.

Python reads identifiers in NFKC form, so `x` and fullwidth `ｘ` are one variable to it: a
name is stored in NFKC form, and two names are the same when their NFKC forms are. Every
rule raises `ValueError` with a message a user can act on; the document wraps it in its own
error type.
"""

from __future__ import annotations

import keyword
import unicodedata

from engine.limits import NAME_CHARACTERS, NODE_ID_CHARACTERS, TEXT_CHARACTERS, Limit

# Names the generated code itself uses: a node so named would shadow them.
RESERVED_NAMES = frozenset({"torch", "F", "nn", "print", "RuntimeError"})


def shorten(text: str, room: int = 40) -> str:
    """`text` cut for a message: a refusal must not repeat a 50 MB name back."""
    return text if len(text) <= room else text[: room - 1] + "…"


def normal_name(name: str) -> str:
    """`name` in the form Python reads it (NFKC), or ValueError saying why it is unusable."""
    if not isinstance(name, str):
        raise ValueError(f"a name must be text, not {type(name).__name__}")
    _check_length("the name", name, NAME_CHARACTERS)
    if not name.isascii():  # NFKC leaves ASCII as it is
        normal = unicodedata.normalize("NFKC", name)
        _check_length("the name", normal, NAME_CHARACTERS)  # NFKC can lengthen (ﷺ → 18 chars)
    else:
        normal = name
    if not normal.isidentifier():
        raise ValueError(f"{_shown(name, normal)} is not a usable name: use letters, digits "
                         "and _, not starting with a digit")
    if keyword.iskeyword(normal):
        raise ValueError(f"{_shown(name, normal)} is not a usable name: it is a Python keyword")
    if normal in RESERVED_NAMES:
        raise ValueError(f"{_shown(name, normal)} is not a usable name: the generated code "
                         f"uses it ({', '.join(sorted(RESERVED_NAMES))})")
    return normal


def _shown(name: str, normal: str) -> str:
    """`name` as a refusal quotes it (built only when refusing: reading checks every name)."""
    shown = repr(shorten(name))
    if normal != name:
        shown += f" (read by Python as {shorten(normal)!r})"
    return shown


def check_text(what: str, text: object) -> str:
    """A title or description: any text within TEXT_CHARACTERS."""
    if not isinstance(text, str):
        raise ValueError(f"the {what} must be text, not {type(text).__name__}")
    _check_length(f"the {what}", text, TEXT_CHARACTERS)
    return text


def check_node_id(node_id: object) -> str:
    if not isinstance(node_id, str) or not node_id:
        raise ValueError(f"a node id must be non-empty text, not {shorten(repr(node_id))}")
    _check_length(f"node id {shorten(node_id)!r}", node_id, NODE_ID_CHARACTERS)
    return node_id


def _check_length(what: str, text: str, limit: Limit) -> None:
    if limit.exceeded(len(text)):
        raise ValueError(f"{what} is too long: {limit.message(f'{len(text):,}')}")


def id_key(node_id: str) -> str:
    """Sort key: numeric ids numerically, then the others alphabetically.

    Only ASCII digits count as numeric ("²".isdigit() is True but int("²") fails), and no
    int() is taken at all, so no id can make sorting raise (int() refuses 5000 digits)."""
    if node_id.isascii() and node_id.isdigit():
        digits = node_id.lstrip("0") or "0"
        return f"{len(digits):06d}{digits}"
    return f"~{node_id}"
