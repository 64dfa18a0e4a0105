"""Unexpected errors: one calm dialog instead of a dead process or a traceback wall.

A Python exception raised in a slot, an event handler, a timer or a QUndoCommand is routed
to `sys.excepthook`. The app start (gui/launch.py) installs `excepthook`, which keeps the
work in the recovery file and shows `ErrorDialog` with a "Copy details" button. Tests keep
pytest-qt's own hook, so an exception there still fails the test.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

INTRO = ("Something went wrong inside Gradflow Studio. An edit that failed was undone, and "
         "unsaved changes are kept in the recovery file: you can carry on, or save now.")


def report(exc: BaseException) -> None:
    """Hand an exception that was caught to contain it to whatever hook is installed: the
    app's dialog, or pytest-qt's capture in tests."""
    sys.excepthook(type(exc), exc, exc.__traceback__)


def details(info: ExcInfo) -> str:
    return "".join(traceback.format_exception(*info))


class ErrorDialog(QMessageBox):
    """The one message for an unexpected error: short text, the details behind a button."""

    def __init__(self, info: ExcInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Gradflow Studio")
        self.setIcon(QMessageBox.Icon.Warning)
        kind, value, _tb = info
        self.setText(INTRO)
        self.setInformativeText(f"{kind.__name__}: {value}")
        self.setDetailedText(details(info))
        self.copy_button = QPushButton("Copy details")
        self.addButton(self.copy_button, QMessageBox.ButtonRole.ActionRole)
        self.copy_button.clicked.disconnect()  # an ActionRole button would close the dialog
        self.copy_button.clicked.connect(self.copy_details)
        self.addButton(QMessageBox.StandardButton.Ok)

    def copy_details(self) -> None:
        QApplication.clipboard().setText(self.detailedText())
        self.copy_button.setText("Copied")


class ErrorHook:
    """The app's sys.excepthook: the previous hook still hears the error (it prints it on
    stderr), recovery is written, and one dialog is shown at a time (errors raised while it
    is open are only printed)."""

    def __init__(self, keep_work: Callable[[], object] | None = None,
                 parent: Callable[[], QWidget | None] | None = None) -> None:
        self.previous = sys.excepthook
        self.keep_work = keep_work
        self.parent = parent
        self.dialog: ErrorDialog | None = None
        self.seen: list[ExcInfo] = []

    def __call__(self, kind: type[BaseException], value: BaseException,
                 tb: TracebackType | None) -> None:
        self.previous(kind, value, tb)
        if not issubclass(kind, Exception):
            return  # KeyboardInterrupt, SystemExit: not ours to soften
        self.seen.append((kind, value, tb))
        if self.keep_work is not None:
            try:
                self.keep_work()
            except Exception as exc:  # noqa: BLE001 - the dialog must still appear
                self.previous(type(exc), exc, exc.__traceback__)
        if self.dialog is not None or QApplication.instance() is None:
            return
        self.dialog = ErrorDialog((kind, value, tb), self.parent() if self.parent else None)
        try:
            self.dialog.exec()
        finally:
            self.dialog = None


def install(keep_work: Callable[[], object] | None = None,
            parent: Callable[[], QWidget | None] | None = None) -> ErrorHook:
    hook = ErrorHook(keep_work, parent)
    sys.excepthook = hook
    return hook
