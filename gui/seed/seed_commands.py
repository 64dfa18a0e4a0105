"""The one undoable edit of the seed form: set an output's `gradient=` and whether it is passed."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from engine.document import Document
from engine.literal import Nested
from gui.undo import AtomicCommand

_MERGE_ID = 5001


class SetSeedCommand(AtomicCommand):
    """doc.update_node(id, seed=..., seed_enabled=...) and back.

    Typing several characters into the same cell (`0`, `0.`, `0.5`) is one edit: commands with
    the same `merge_key` merge, so a single undo restores the seed from before the typing.
    """

    def __init__(self, doc: Document, node_id: str, seed: Nested | None, enabled: bool,
                 text: str = "Change gradient", merge_key: Any = None) -> None:
        super().__init__(text)
        self.doc = doc
        self.node_id = node_id
        self.new = {"seed": seed, "seed_enabled": enabled}
        node = doc.node(node_id)
        self.old = {"seed": node.seed, "seed_enabled": node.seed_enabled}
        self.merge_key = merge_key

    def redo(self) -> None:
        self.doc.update_node(self.node_id, **self.new)

    def undo(self) -> None:
        self.doc.update_node(self.node_id, **self.old)

    def id(self) -> int:  # noqa: A003 - Qt's name
        return _MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, SetSeedCommand) or other.merge_key != self.merge_key \
                or other.node_id != self.node_id:
            return False
        self.new = other.new
        return True
