"""What a learner's eye gets: the on-screen size of canvas text, clipped widget text.

Shared by the layout tests and `tests/screenshots.py`."""

from __future__ import annotations

from PySide6.QtGui import QFontInfo, QFontMetrics
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPushButton, QWidget

from gui.canvas import items


def canvas_text_px(window) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(card body text, port label) heights in screen pixels at the view's current zoom."""
    zoom = window.view.transform().m11()
    _, _, body, _ = items._fonts()
    port = items._port_font()
    return QFontInfo(body).pixelSize() * zoom, QFontInfo(port).pixelSize() * zoom


def _text_of(widget: QWidget) -> str:
    if isinstance(widget, QLineEdit):
        return widget.text() or widget.placeholderText()
    return widget.text().replace("&", "")  # type: ignore[attr-defined]


def clipped_texts(window: QWidget) -> list[str]:
    """Visible labels, buttons, check boxes and line edits whose one-line text is wider than
    the room their widget gives it. A label that wraps or elides on purpose (with a tooltip
    holding the whole text) is not clipped."""
    found = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, QLabel | QPushButton | QCheckBox | QLineEdit):
            continue
        if not widget.isVisibleTo(window) or widget.visibleRegion().isEmpty():
            continue
        text = _text_of(widget)
        if not text or "<" in text:  # rich text lays itself out
            continue
        if isinstance(widget, QLabel) and widget.wordWrap():
            continue
        if widget.property("elided") and widget.toolTip():
            continue
        metrics = QFontMetrics(widget.font())
        width = max(metrics.horizontalAdvance(line) for line in text.splitlines() or [""])
        # what the widget's parents let through: a scroll area's viewport cuts a wider child
        room = min(widget.contentsRect().width(), widget.visibleRegion().boundingRect().width())
        if isinstance(widget, QPushButton):
            room -= 8  # the button's own frame padding
        elif isinstance(widget, QCheckBox):
            room -= 22  # the box and its gap
        elif isinstance(widget, QLineEdit):
            room -= 6
        if width > room:
            found.append(f"{type(widget).__name__} {text!r}: text {width} px > room {room} px")
    return found
