"""File menu: New, Open, Open Recent, Examples, Save, Save As — and no lost work.

Unsaved changes are shown in the title (`*`), asked about before New, Open and closing
(Save / Discard / Cancel), and written to a recovery file every minute. A file that cannot
be read leaves the open document exactly as it was and says why in one message.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from engine.document import Document
from engine.examples import ExampleInfo, list_examples
from engine.fileformat import FileFormatError, load, save
from gui.files import recovery
from gui.files.dirty import DirtyTracker
from gui.files.settings import add_recent, recent_files, remove_recent
from gui.panels.description_panel import DescriptionPanel
from gui.wiring import AddDock, ShowStatus

FILE_FILTER = "Gradflow graphs (*.json);;All files (*)"
APP = "Gradflow Studio"
Button = QMessageBox.StandardButton


class FileActions(QObject):
    """The File menu's document actions. `show_title` receives the window title (with Qt's
    [*] placeholder) and whether the document is modified; the window's close event asks
    `close_requested()`."""

    document_replaced = Signal()  # New, Open, an example, an import or a recovery took over

    def __init__(self, doc: Document, stack: QUndoStack, parent: QWidget, file_menu: QMenu,
                 add_dock: AddDock, show_title: Callable[[str, bool], None],
                 status: ShowStatus) -> None:
        super().__init__(parent)
        self.dialog_parent = parent
        self.doc = doc
        self.stack = stack
        self._show_title = show_title
        self._show_status = status
        self.path: Path | None = None
        self.tracker = DirtyTracker(self.doc, self.stack)
        self.tracker.changed.connect(self._on_dirty_changed)  # a slot Qt disconnects on delete
        self.autosave = recovery.Autosave(self.doc, self.tracker, parent=self)
        self.description = DescriptionPanel(self.doc)
        self.description_dock = add_dock(
            "About this graph", self.description, Qt.DockWidgetArea.RightDockWidgetArea)
        self._build_menu(file_menu)
        self.refresh_title()

    # ---- menu -----------------------------------------------------------------------------
    def _action(self, text: str, slot,  # noqa: ANN001
                shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
                tip: str = "") -> QAction:
        action = QAction(text, self.dialog_parent)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_menu(self, menu: QMenu) -> None:
        keys = QKeySequence.StandardKey
        self.new_action = self._action("&New", self.new, keys.New, "Start an empty graph")
        self.open_action = self._action("&Open…", self.open, keys.Open, "Open a graph file")
        self.recent_menu = QMenu("Open &Recent", self.dialog_parent)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.examples_menu = QMenu("&Examples", self.dialog_parent)
        for info in list_examples():
            action = self._action(info.title, lambda info=info: self.open_example(info),
                                  tip=info.description)
            self.examples_menu.addAction(action)
        self.examples_menu.setToolTipsVisible(True)
        self.save_action = self._action("&Save", self.save, keys.Save, "Save the graph")
        self.save_as_action = self._action("Save &As…", self.save_as, "Ctrl+Shift+S",
                                           "Save the graph under a new name")
        first = menu.actions()[0]  # the window's Quit: the file actions go above it
        for item in (self.new_action, self.open_action):
            menu.insertAction(first, item)
        menu.insertMenu(first, self.recent_menu)
        menu.insertMenu(first, self.examples_menu)
        menu.insertSeparator(first)
        menu.insertAction(first, self.save_action)
        menu.insertAction(first, self.save_as_action)
        self.export_separator = menu.insertSeparator(first)
        self._fill_recent()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = recent_files()
        for path in files:
            self.recent_menu.addAction(self._action(Path(path).name,
                                                    lambda p=path: self.open_path(p), tip=path))
        self.recent_menu.setToolTipsVisible(True)
        self.recent_menu.setEnabled(bool(files))

    # ---- state ----------------------------------------------------------------------------
    def is_dirty(self) -> bool:
        return self.tracker.is_dirty()

    def _on_dirty_changed(self, _dirty: bool) -> None:
        # the undo stack may announce a change while the window is being torn down
        if shiboken6.isValid(self.dialog_parent):
            self.refresh_title()

    def refresh_title(self) -> None:
        name = self.path.name if self.path else (self.doc.title or "untitled")
        # Qt shows "*" at the [*] placeholder while the window is modified
        self._show_title(f"{name}[*] — {APP}", self.tracker.is_dirty())

    def _status(self, text: str, ms: int = 8000) -> None:
        self._show_status(text, ms)

    def _take(self, new: Document, path: Path | None) -> None:
        """Replace the open document (views rebuild on 'reset'); the result is clean.

        One transaction: the document, undo history, path, title, clean state and recovery
        source switch together. `replace_with` has taken the new content before it tells the
        views, so if a view fails to redraw the rest still switches (Save must never write
        the new document over the old file) and the view's error is raised afterwards."""
        try:
            self.doc.replace_with(new)
        finally:
            self.stack.clear()
            self.path = path
            self.autosave.source = str(path) if path else None
            self.tracker.mark_clean()
            recovery.discard()
            self.refresh_title()
            self.document_replaced.emit()

    # ---- asking before work is lost -------------------------------------------------------
    def maybe_save(self) -> bool:
        """True when it is fine to throw the current document away."""
        if not self.is_dirty():
            return True
        name = self.path.name if self.path else (self.doc.title or "this untitled graph")
        answer = QMessageBox.question(
            self.dialog_parent, APP, f"Save the changes to {name}?\n\n"
            "Without saving, your changes since the last save are lost.",
            Button.Save | Button.Discard | Button.Cancel, Button.Save)
        if answer == Button.Save:
            return self.save()
        return answer == Button.Discard

    # ---- commands -------------------------------------------------------------------------
    def new(self) -> bool:
        if not self.maybe_save():
            return False
        self._take(Document(), None)
        self._status("New graph")
        return True

    def open(self) -> bool:
        start = str(self.path.parent) if self.path else ""
        name, _ = QFileDialog.getOpenFileName(self.dialog_parent, "Open graph", start, FILE_FILTER)
        return self.open_path(name) if name else False

    def open_path(self, path: str | Path) -> bool:
        if not self.maybe_save():
            return False
        path = Path(path)
        try:
            new = load(path)
        except FileFormatError as exc:
            QMessageBox.warning(self.dialog_parent, APP, f"Could not open {path.name}:\n\n{exc}")
            if not path.exists():
                remove_recent(str(path.resolve()))
            return False
        self._take(new, path.resolve())
        add_recent(path)
        self._fill_recent()
        self._status(f"Opened {path.name}" + (f" — {new.title}" if new.title else ""))
        return True

    def open_untitled(self, new: Document, status: str) -> bool:
        """Replace the document with one that has no file yet (an import): asks first."""
        if not self.maybe_save():
            return False
        self._take(new, None)
        self._status(status)
        return True

    def open_example(self, info: ExampleInfo) -> bool:
        """An example opens as an untitled copy: Save asks where, the example stays intact."""
        if not self.maybe_save():
            return False
        try:
            new = load(info.path)
        except FileFormatError as exc:
            QMessageBox.warning(self.dialog_parent, APP, f"Could not open the example:\n\n{exc}")
            return False
        self._take(new, None)
        self.description_dock.show()
        self._status(f"{info.title} — {info.description}", 20000)
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        start = str(self.path) if self.path else (self.doc.title or "untitled")
        name, _ = QFileDialog.getSaveFileName(self.dialog_parent, "Save graph as", start,
                                              FILE_FILTER)
        if not name:
            return False
        path = Path(name)
        if path.suffix == "":
            path = path.with_suffix(".json")
        return self.save_to(path)

    def save_to(self, path: Path) -> bool:
        try:
            save(self.doc, path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self.dialog_parent, APP, f"Could not save {path.name}:\n\n{exc}\n\n"
                                "Your graph is still open and unchanged.")
            return False
        self.path = path.resolve()
        self.autosave.source = str(self.path)
        self.tracker.mark_clean()
        recovery.discard()
        add_recent(self.path)
        self._fill_recent()
        self.refresh_title()
        self._status(f"Saved {path.name}")
        return True

    def opened_from(self, path: Path) -> None:
        """The open document was read from `path` before the window existed (the command line)."""
        self.path = path.resolve()
        self.autosave.source = str(self.path)
        add_recent(self.path)
        self.refresh_title()

    # ---- recovery -------------------------------------------------------------------------
    def restore(self, found: recovery.Recovered) -> None:
        """Take recovered work: it belongs to its old file but is not saved there yet."""
        try:  # one transaction, as in _take
            self.doc.replace_with(found.doc)
        finally:
            self.stack.clear()
            self.path = Path(found.source) if found.source else None
            self.autosave.source = found.source
            self.tracker.mark_dirty()
            self.refresh_title()
            self.document_replaced.emit()
        self._status("Recovered unsaved work — save it to keep it")

    # ---- closing --------------------------------------------------------------------------
    def close_requested(self) -> bool:
        """The window is asked to close: False keeps it open with the document untouched."""
        if not self.maybe_save():
            return False
        recovery.discard()
        self.autosave.timer.stop()
        return True


def offer_recovery(actions: FileActions) -> bool:
    """Ask whether to restore work a crashed session left; True if it was restored."""
    found = recovery.pending_recovery()
    if found is None:
        return False
    import time

    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(found.saved_at))
    what = Path(found.source).name if found.source else (found.doc.title or "an untitled graph")
    answer = QMessageBox.question(
        actions.dialog_parent, APP,
        f"Gradflow Studio did not close normally. Unsaved work on {what} was kept at {when}.\n\n"
        "Recover it?", Button.Yes | Button.Discard, Button.Yes)
    if answer == Button.Yes:
        actions.restore(found)
        return True
    recovery.discard()
    return False

