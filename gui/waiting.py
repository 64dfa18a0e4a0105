"""A neutral "computing…" laid over a view until the current document's first run lands, so
a view never shows a number from a previous document while the new one runs."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel, QWidget

COMPUTING = "computing…"


class WaitingLabel(QLabel):
    """A label covering `view`, text centred, hidden at first. It is placed by hand on every
    resize, not by a layout: a layout on a pyqtgraph view would change how the plot lays
    itself out (and so every exported picture of it)."""

    def __init__(self, view: QWidget) -> None:
        super().__init__(COMPUTING, view)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet("color: #8C8C8C; background: transparent; font-size: 13px;")
        self.setGeometry(view.rect())
        view.installEventFilter(self)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
        return False


def waiting_label(view: QWidget) -> QLabel:
    return WaitingLabel(view)
