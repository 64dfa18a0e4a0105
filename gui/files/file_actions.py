"""File menu: New, Open, Open Recent, Examples, Save, Save As — and no lost work.

Unsaved changes are shown in the title (`*`), asked about before New, Open, Import, an
example and closing (Save / Discard / Cancel), and written to this window's recovery file a
few seconds after each edit. A file that cannot be read leaves the open document exactly as
it was and says why in one message. Saving keeps the file what it was (mode, symlink, hard
links; see disk.py), asks before overwriting a file changed on disk since it was read, and
never writes into the bundled examples: they are templates, saved under a new name.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QFileDialog, QLabel, QMenu, QMessageBox, QWidget

from engine.document import Document
from engine.examples import EXAMPLES_DIR, ExampleInfo, list_examples
from engine.fileformat import FileFormatError, file_text, load
from gui.code.import_dialog import Carry
from gui.files import ask, recovery
from gui.files.dirty import DirtyTracker
from gui.files.disk import DiskStamp, ReadOnlyFile, changed_since, stamp_of, write_file
from gui.files.settings import add_recent, recent_files, remove_recent
from gui.files.window_title import window_title
from gui.panels.description_panel import DescriptionPanel, elide
from gui.wiring import AddDock, ShowStatus

FILE_FILTER = "Gradflow graphs (*.json);;PyTorch code (*.py);;All files (*)"
APP = "Gradflow Studio"
Button = QMessageBox.StandardButton
STATUS_CHARS = 200


def is_example(path: str | Path) -> bool:
    """A bundled example: a template, never written to."""
    return EXAMPLES_DIR.resolve() in Path(os.path.realpath(path)).parents


class FileActions(QObject):
    """The File menu's document actions. `show_title` receives the window title (with Qt's
    [*] placeholder) and whether the document is modified; the window's close event asks
    `close_requested()`."""

    document_replaced = Signal()  # New, Open, an example, an import or a recovery took over

    def __init__(self, doc: Document, stack: QUndoStack, parent: QWidget, file_menu: QMenu,
                 add_dock: AddDock, show_title: Callable[[str, bool], None],
                 status: ShowStatus, carry: Carry | None = None) -> None:
        super().__init__(parent)
        self.dialog_parent = parent
        self.carry = carry  # a snippet's torch error, handed to the runs of its document
        self.doc = doc
        self.stack = stack
        self._show_title = show_title
        self._show_status = status
        self.path: Path | None = None
        self.stamp: DiskStamp | None = None  # how the file looked when last read or written
        self.tracker = DirtyTracker(self.doc, self.stack)
        self.tracker.changed.connect(self._on_dirty_changed)  # a slot Qt disconnects on delete
        self.autosave = recovery.Autosave(self.doc, self.tracker, parent=self)
        self.autosave.failed.connect(self._on_autosave_failed)
        self.autosave.written.connect(self._on_autosave_written)
        self.autosave_warning: QMessageBox | None = None  # shown once per run of failures
        # stays on the status bar while recovery copies fail: transient messages ("backward
        # ran") must not hide that unsaved work is unprotected
        self.protection = QLabel()
        self.protection.setStyleSheet("color: #D55E00; font-weight: bold")
        self.protection.hide()
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
        self._show_title(window_title(self.path, self.doc.title), self.tracker.is_dirty())

    def _status(self, text: str, ms: int = 8000) -> None:
        self._show_status(elide(text, STATUS_CHARS), ms)

    def _set_file(self, path: Path | None, stamp: DiskStamp | None) -> None:
        """The file Save writes to from now on (None: Save asks), and how it looks."""
        self.path = Path(os.path.abspath(path)) if path else None  # a symlink stays the link
        self.stamp = stamp
        self.autosave.source = str(self.path) if self.path else None
        self.autosave.source_stamp = stamp
        self.refresh_title()

    # ---- autosave trouble -----------------------------------------------------------------
    def _on_autosave_failed(self, error: str) -> None:
        self._status(f"Unsaved work is not protected: {error}", 0)
        self.protection.setText(elide("⚠ unsaved work not protected", STATUS_CHARS))
        self.protection.setToolTip(f"Recovery copies cannot be written: {error}")
        self.protection.show()
        if self.autosave_warning is None and shiboken6.isValid(self.dialog_parent):
            self.autosave_warning = ask.warn_once(
                self.dialog_parent, f"Gradflow Studio cannot keep a recovery copy of your "
                f"unsaved work:\n\n{error}\n\nSave your graph to keep it. (This is shown "
                "once; the status bar says when recovery copies work again.)")

    def _on_autosave_written(self) -> None:
        self.protection.hide()
        if self.autosave_warning is not None:
            self.autosave_warning = None
            self._status("Recovery copies of unsaved work are written again", 6000)

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
            self.autosave.discard()
            self.refresh_title()
            self.document_replaced.emit()

    # ---- asking before work is lost -------------------------------------------------------
    def maybe_save(self) -> bool:
        """True when it is fine to throw the current document away."""
        if not self.is_dirty():
            return True
        name = elide(self.path.name if self.path else (self.doc.title or "this untitled graph"),
                     80)
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
        path = Path(path)
        if path.suffix == ".py":  # code, read as File → Import reads it: Save asks where
            from gui.code.import_dialog import import_file

            return import_file(self.dialog_parent, path, self.open_untitled, self.carry)
        if not self.maybe_save():
            return False
        stamp = stamp_of(path)
        try:
            new = load(path)
        except FileFormatError as exc:
            QMessageBox.warning(self.dialog_parent, APP, f"Could not open {path.name}:\n\n{exc}")
            if not path.exists():
                remove_recent(str(path.resolve()))
            return False
        add_recent(path)
        self._fill_recent()
        if is_example(path):  # a template, as from the Examples menu
            self._take(new, None)
            self._status(f"{new.title or path.name} — an example: Save asks for a new name")
            return True
        self._take(new, path)
        self._set_file(path, stamp)
        self._status(f"Opened {path.name}" + (f" — {new.title}" if new.title else ""))
        return True

    def open_untitled(self, new: Document, status: str) -> bool:
        """Replace the document with one that has no file yet (an import): asks first."""
        if not self.maybe_save():
            return False
        self._take(new, None)
        self.tracker.mark_dirty()  # in no file yet: unsaved work, kept by the autosave
        if new.description:  # an imported training loop says which step the graph is
            self.description_dock.show()
            self.description_dock.raise_()
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
        if self.path is None or is_example(self.path):
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        if self.path and not is_example(self.path):
            start = str(self.path)
        else:  # a name from the title, in a folder of the user's (never among the examples)
            stem = re.sub(r'[\\/:*?"<>|]', "_", elide(self.doc.title, 60).rstrip("…"))
            start = str(Path.home() / f"{stem or 'untitled'}.json")
        name, _ = QFileDialog.getSaveFileName(self.dialog_parent, "Save graph as", start,
                                              FILE_FILTER)
        if not name:
            return False
        path = Path(name)
        if path.suffix == "":
            path = path.with_suffix(".json")
        return self.save_to(path)

    def save_to(self, path: Path) -> bool:
        path = Path(path)
        if is_example(path):
            QMessageBox.warning(self.dialog_parent, APP, f"{path.name} is a bundled example: "
                                "examples are templates and stay as shipped.\n\n"
                                "Save your graph under a new name in a folder of yours.")
            return False
        answer = self._overwrite_answer(path)
        if answer != "Overwrite":
            return answer == "Save As…" and self.save_as()
        try:
            data = file_text(self.doc).encode("utf-8")
            write_file(path, data)
        except ReadOnlyFile:
            answer = ask.choose(self.dialog_parent, f"{path.name} is read-only, so it was not "
                                "changed.\n\nSave your graph under another name?",
                                ["Save As…", "Cancel"], "Save As…")
            return answer == "Save As…" and self.save_as()
        except (OSError, ValueError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            QMessageBox.warning(self.dialog_parent, APP, f"Could not save {path.name}:\n\n{why}"
                                "\n\nYour graph is still open and unchanged.")
            return False
        self.tracker.mark_clean()
        self.autosave.discard()
        self._set_file(path, stamp_of(path, data))
        add_recent(path)
        self._fill_recent()
        self._status(f"Saved {path.name}")
        return True

    def _overwrite_answer(self, path: Path) -> str:
        """Writing over the open file that another program changed since we read it: ask.
        "Overwrite" (also when there is nothing to ask), "Save As…" or "Cancel"."""
        same = self.path is not None and os.path.realpath(path) == os.path.realpath(self.path)
        if not same or not changed_since(path, self.stamp):
            return "Overwrite"
        return ask.choose(
            self.dialog_parent, f"{path.name} was changed on disk since you opened or saved "
            "it (by another program or another Gradflow Studio window).\n\n"
            "Overwrite those changes with your graph, or save yours under another name?",
            ["Overwrite", "Save As…", "Cancel"], "Save As…")

    def opened_from(self, path: Path) -> None:
        """The open document was read from `path` before the window existed (the command line)."""
        if is_example(path):
            return  # a template, as from the Examples menu: Save asks for a name
        self._set_file(path, stamp_of(path))
        add_recent(path)

    # ---- recovery -------------------------------------------------------------------------
    def restore(self, found: recovery.Recovered) -> None:
        """Take recovered work: it belongs to its old file but is not saved there yet."""
        try:  # one transaction, as in _take
            self.doc.replace_with(found.doc)
        finally:
            self.stack.clear()
            source = Path(found.source) if found.source else None
            self._set_file(source if source and not is_example(source) else None,
                           found.source_stamp)
            self.tracker.mark_dirty()
            self.refresh_title()
            self.document_replaced.emit()
        if self.autosave.write():  # this window's own recovery file holds it now
            recovery.remove(found)
        self._status("Recovered unsaved work — save it to keep it")

    # ---- closing --------------------------------------------------------------------------
    def close_requested(self) -> bool:
        """The window is asked to close: False keeps it open with the document untouched."""
        if not self.maybe_save():
            return False
        self.autosave.discard()
        self.autosave.stop()
        return True


def offer_recovery(actions: FileActions) -> bool:
    """Offer work that windows which did not close normally left (newest first; one can be
    taken); report recovery files that could not be read. True if work was restored."""
    found = recovery.pending()
    if found.set_aside:
        QMessageBox.warning(actions.dialog_parent, APP, "A recovery file could not be read. "
                            "It was kept, renamed, in case you want to look at it:\n\n"
                            + "\n".join(str(p) for p in found.set_aside))
    for item in found.recovered:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(item.saved_at))
        what = Path(item.source).name if item.source else (item.doc.title or "an untitled graph")
        answer = QMessageBox.question(
            actions.dialog_parent, APP,
            f"Gradflow Studio did not close normally. Unsaved work on {elide(what, 80)} was "
            f"kept at {when}.\n\nRecover it?", Button.Yes | Button.Discard, Button.Yes)
        if answer == Button.Yes:
            actions.restore(item)
            return True
        recovery.remove(item)
    return False
