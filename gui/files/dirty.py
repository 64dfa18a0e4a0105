"""Does the document have changes that are not saved?

The undo stack's clean state is the answer for every edit made through a QUndoCommand
(undoing back to the saved state makes the document clean again). An edit made straight on
the document, outside any command, is caught too: a document event that no undo-stack
activity follows is such an edit, and it keeps the document dirty until the next save.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from engine.document import DocEvent, Document


class DirtyTracker(QObject):
    changed = Signal(bool)  # is_dirty()

    def __init__(self, doc: Document, stack: QUndoStack) -> None:
        super().__init__(stack)  # lives and dies with the stack it watches
        self.stack = stack
        self._direct = False  # an edit outside the undo stack since the last save
        self._unmatched = False  # a document event not (yet) followed by stack activity
        self._last_sent: bool | None = None
        self._scheduled = False
        stack.indexChanged.connect(self._on_stack_activity)
        stack.cleanChanged.connect(lambda _clean: self._announce())
        doc.subscribe(self._on_doc_event)

    def _on_doc_event(self, event: DocEvent) -> None:
        if event.kind == "reset":
            return  # open / new: whoever replaced the document says whether it is clean
        self._unmatched = True
        # a QUndoCommand's redo() runs inside push(); push changes the index right after.
        # One check per burst of events (a layout moves every node at once).
        if not self._scheduled:
            self._scheduled = True
            QTimer.singleShot(0, self, self._settle)  # cancelled if we are destroyed first

    def _on_stack_activity(self, _index: int) -> None:
        self._unmatched = False
        self._announce()

    def _stack_clean(self) -> bool:
        try:
            return self.stack.isClean()
        except RuntimeError:  # the stack is being destroyed with its window
            return True

    def _settle(self) -> None:
        self._scheduled = False
        if self._unmatched:
            self._direct = True
            self._unmatched = False
        self._announce()

    def is_dirty(self) -> bool:
        self._settle()
        return self._direct or not self._stack_clean()

    def mark_clean(self) -> None:
        self._direct = self._unmatched = False
        self.stack.setClean()
        self._announce()

    def mark_dirty(self) -> None:
        """E.g. after recovering unsaved work: it is not in any file yet."""
        self._direct = True
        self._announce()

    def _announce(self) -> None:
        dirty = self._direct or not self._stack_clean()
        if dirty != self._last_sent:
            self._last_sent = dirty
            self.changed.emit(dirty)
