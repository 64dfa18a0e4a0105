"""A neutral "computing…" laid over a view until the current document's first run lands, so
a view never shows a number from a previous document while the new one runs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QLabel, QVBoxLayout, QWidget

COMPUTING = "computing…"


def waiting_label(view: QWidget) -> QLabel:
    """A centred label on `view` (on its viewport for a scrolling view), hidden at first: it
    floats over the view and takes no room from its layout."""
    host = view.viewport() if isinstance(view, QAbstractScrollArea) else view
    layout = QVBoxLayout(host)
    label = QLabel(COMPUTING)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    label.setStyleSheet("color: #8C8C8C; background: transparent; font-size: 13px;")
    layout.addWidget(label, alignment=Qt.AlignmentFlag.AlignCenter)
    label.hide()
    return label
