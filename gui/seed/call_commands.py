"""The undoable edits of the program of calls. Each calls the document's calls API only
(engine/program_edits.py), which validates the whole new program and changes nothing when it
refuses. Push them with gui.canvas.commands.push: a refused edit returns the document's
reason and leaves the document and the undo stack untouched."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from engine.calls import Call
from engine.document import Document
from gui.canvas.commands import DocCommand

_MERGE_ID = 5002


class AddCallCommand(DocCommand):
    def __init__(self, doc: Document, call: Call, index: int | None = None,
                 text: str = "Add call") -> None:
        super().__init__(doc, text)
        self.call = call
        self.index = len(doc.calls) if index is None else index

    def _redo(self) -> None:
        self.doc.add_call(self.call, self.index)

    def undo(self) -> None:
        self.doc.remove_call(self.index)


class RemoveCallCommand(DocCommand):
    def __init__(self, doc: Document, index: int) -> None:
        super().__init__(doc, f"Remove call {index + 1}")
        self.index = index
        self.removed: Call | None = None

    def _redo(self) -> None:
        self.removed = self.doc.remove_call(self.index)

    def undo(self) -> None:
        assert self.removed is not None
        self.doc.add_call(self.removed, self.index)


class MoveCallCommand(DocCommand):
    def __init__(self, doc: Document, index: int, new_index: int) -> None:
        super().__init__(doc, f"Move call {index + 1} to place {new_index + 1}")
        self.index, self.new_index = index, new_index

    def _redo(self) -> None:
        self.doc.move_call(self.index, self.new_index)

    def undo(self) -> None:
        self.doc.move_call(self.new_index, self.index)


class UpdateCallCommand(DocCommand):
    """doc.update_call(index, **fields) and back. Typing into one cell of a call's gradient
    is one edit: commands with the same merge_key merge (as SetSeedCommand does)."""

    def __init__(self, doc: Document, index: int, text: str = "Change call",
                 merge_key: Any = None, **fields: Any) -> None:
        super().__init__(doc, text)
        self.index, self.new = index, fields
        self.old: dict[str, Any] = {}
        self.merge_key = merge_key

    def _redo(self) -> None:
        old = self.doc.update_call(self.index, **self.new)
        self.old = self.old or old  # after a merge, undo still goes back to the first old

    def undo(self) -> None:
        self.doc.update_call(self.index, **self.old)

    def id(self) -> int:  # noqa: A003 - Qt's name
        return _MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, UpdateCallCommand) or other.merge_key != self.merge_key \
                or other.index != self.index or set(other.new) != set(self.new):
            return False
        self.new = other.new
        return True


class SetRunOptionsCommand(DocCommand):
    """The document's own backward call keeps retain_graph and inputs= in its run options."""

    def __init__(self, doc: Document, text: str, **fields: Any) -> None:
        super().__init__(doc, text)
        self.new = fields
        self.old: dict[str, Any] = {}

    def _redo(self) -> None:
        self.old = self.doc.set_options(**self.new)

    def undo(self) -> None:
        self.doc.set_options(**self.old)
