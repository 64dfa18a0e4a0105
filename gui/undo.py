"""Undo commands that apply all or nothing.

An exception escaping `QUndoCommand.redo/undo` is a Python error inside a C++ virtual: the
document may be half-changed and the stack left pointing at a command that never finished.
`AtomicCommand` wraps every `redo`/`undo` a subclass defines: on an unexpected exception the
document is restored to its state before the call, the command is marked obsolete (Qt then
drops it instead of keeping it on the stack), and the error is reported (gui/errors.py).
A command that expects a refusal of the document (`GraphError`) catches it itself; one that
escapes is as unexpected as any other error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from engine.document import Document
from gui.errors import report

Apply = Callable[[Any], None]
_GUARDED: set[Apply] = set()  # the wrappers themselves: never wrapped twice


class AtomicCommand(QUndoCommand):
    """Subclasses set `self.doc` and define `redo`/`undo` as usual."""

    doc: Document
    failed: BaseException | None = None
    _applying = False  # inside a guarded redo/undo (a subclass calling super() is not nested)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in ("redo", "undo"):
            method = cls.__dict__.get(name)
            if method is not None and method not in _GUARDED:
                setattr(cls, name, _all_or_nothing(method))


def _all_or_nothing(method: Apply) -> Apply:
    @functools.wraps(method)
    def guarded(self: AtomicCommand) -> None:
        if self._applying:  # a subclass calling super().redo()
            method(self)
            return
        before = self.doc.clone()
        self._applying = True
        try:
            method(self)
        except Exception as exc:  # noqa: BLE001 - contained, restored and reported
            self.failed = exc
            self.setObsolete(True)
            restore(self.doc, before)
            report(exc)
        finally:
            self._applying = False

    _GUARDED.add(guarded)
    return guarded


def restore(doc: Document, before: Document) -> None:
    """Put `doc` back to `before` (views rebuild from the reset event)."""
    if _same(doc, before):
        return
    try:
        doc.replace_with(before)
    except Exception as exc:  # noqa: BLE001 - a view failed to redraw; the data is back
        report(exc)


def _same(doc: Document, other: Document) -> bool:
    from engine.fileformat import to_dict

    try:
        return bool(to_dict(doc) == to_dict(other))
    except Exception:  # noqa: BLE001 - cannot tell: restore to be safe
        return False
