"""Start the window: paint first, then let the first run bring torch in.

Restores the window layout and theme from the settings, offers work a crashed session
left in the recovery file, and routes unexpected errors to one calm dialog (gui/errors.py).
Also builds the offscreen window the headless exports draw."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from engine.document import Document
from engine.examples import example_path
from engine.fileformat import FileFormatError, load

if TYPE_CHECKING:
    from gui.main_window import MainWindow

RUN_TIMEOUT_MS = 120_000


def load_start_document(path: str | None) -> tuple[Document, str | None]:
    """The document to open and, if the asked-for file failed, why."""
    if path and path.endswith(".py"):  # a snippet: read after the first paint (torch loads)
        return Document(), None
    if path:
        try:
            return load(path), None
        except FileFormatError as exc:
            return load(example_path()), f"Could not open {path}: {exc}"
    return load(example_path()), None


def after_first_paint(window: QWidget, then: Callable[[], None]) -> None:
    """Call `then` from the event loop once the window has painted for the first time."""

    class Watcher(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                obj.removeEventFilter(self)
                QTimer.singleShot(0, then)
            return False

    watcher = Watcher(window)
    window.installEventFilter(watcher)


def report_first_paint(window: QWidget) -> None:
    """Print `painted` and quit once the window has painted: for start-up timing."""

    class Watcher(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                print("painted", flush=True)
                obj.removeEventFilter(self)
                QTimer.singleShot(0, QApplication.quit)
            return False

    watcher = Watcher(window)
    window.installEventFilter(watcher)


def launch(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="gradflow", description="Gradflow Studio")
    parser.add_argument("file", nargs="?",
                        help="a graph (.json) or a PyTorch snippet (.py) to open")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from gui.files.settings import APPLICATION, ORGANISATION

    app.setApplicationName(APPLICATION)
    app.setOrganizationName(ORGANISATION)
    from gui.files.theme import apply_theme, saved_theme
    from gui.main_window import MainWindow

    apply_theme(saved_theme())
    doc, problem = load_start_document(args.file)
    # the canvas first (at its saved size); its docks right after the first paint
    window = MainWindow(doc, panels=False, restore_layout=True)
    # an exception in a slot, a timer or an undo command: one calm dialog, the work kept in
    # the recovery file (once the file actions exist, right after the first paint), the
    # process alive (tests keep pytest-qt's own hook instead)
    from gui import errors

    errors.install(keep_work=lambda: keep_work(window), parent=lambda: window)
    if os.environ.get("GRADFLOW_REPORT_FIRST_PAINT"):  # `make bench` times the cold start
        report_first_paint(window)
    window.show()
    QTimer.singleShot(0, window.view.fit_all)
    after_first_paint(window, lambda: finish_start(window, args.file, problem))
    return app.exec()


def keep_work(window: MainWindow) -> None:
    """What the error dialog saves first: the unsaved document, once the file actions exist."""
    if window.panels_built:
        window.file_actions.autosave.write_if_dirty()


def finish_start(window: MainWindow, path: str | None, problem: str | None) -> None:
    """After the first paint: the docks, their saved arrangement, the first run (torch
    loads then), and what the start has to tell."""
    from gui.files.file_actions import offer_recovery

    window.build_panels()  # with the saved dock layout, or else the first-start one
    if not window.layout_restored:  # first start: the learning layout, sized for the window
        QTimer.singleShot(0, window.size_docks)
    if path and path.endswith(".py"):  # imported like File → Import: Save asks where
        QTimer.singleShot(0, lambda: window.file_actions.open_path(path))
    elif path and problem is None:
        window.file_actions.opened_from(Path(path))
    QTimer.singleShot(0, window.runner.run_now)
    if problem:
        QTimer.singleShot(0, lambda: QMessageBox.warning(window, "Gradflow Studio", problem))
    QTimer.singleShot(0, lambda: offer_recovery(window.file_actions))


def open_offscreen(doc: Document, size: tuple[int, int] | None = None) -> MainWindow:
    """A window on `doc` (at `size`), shown offscreen, once its first run has finished (or
    the wait timed out: then `runner.last` is None) and its panels are laid out."""
    from gui.main_window import MainWindow

    window = MainWindow(doc)
    if size is not None:
        window.resize(*size)
    window.show()
    QCoreApplication.processEvents()
    window.size_docks()  # dock sizes hold once the window is laid out at its size
    loop = QEventLoop()
    window.runner.finished.connect(loop.quit)
    QTimer.singleShot(RUN_TIMEOUT_MS, loop.quit)
    window.runner.run_now()
    if window.runner.last is None:
        loop.exec()
    QCoreApplication.processEvents()
    window.view.fit_all()
    for _ in range(3):  # pyqtgraph sizes its axes while painting, then lays out again
        window.grab()
        QCoreApplication.sendPostedEvents()
    return window
