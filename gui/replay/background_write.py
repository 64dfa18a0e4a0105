"""Write a file on Qt's thread pool and report on the GUI thread: encoding a GIF or a video
or building a web page takes far longer than a frame, and the window must stay responsive."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from gui.wiring import ShowStatus


class _Report(QObject):
    """Lives on the GUI thread; its signal carries the worker's outcome back there."""

    done = Signal(bool, str)  # succeeded, the status message or the error text


class _Job(QRunnable):
    def __init__(self, work: Callable[[], str], report: _Report) -> None:
        super().__init__()
        self.work, self.report = work, report

    def run(self) -> None:
        try:
            message = self.work()
        except Exception as exc:  # noqa: BLE001 - any failure is shown, never lost
            text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.report.done.emit(False, text or type(exc).__name__)
        else:
            self.report.done.emit(True, message)


def write_in_background(parent: QWidget, title: str, work: Callable[[], str],
                        status: ShowStatus, busy_message: str) -> _Report:
    """Run `work` (returns the status line to show) off the GUI thread; an exception becomes a
    warning box naming the problem. Returns the reporter (tests wait on its `done`)."""
    report = _Report(parent)

    def finished(ok: bool, text: str) -> None:
        if ok:
            status(text, 8000)
        else:
            status("", 1)
            QMessageBox.warning(parent, title, text)
        report.deleteLater()

    report.done.connect(finished)
    status(busy_message, 0)
    QThreadPool.globalInstance().start(_Job(work, report))
    return report
