"""Real mouse and keyboard input for the canvas, as a user would give it (offscreen)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QGraphicsView

LEFT = Qt.MouseButton.LeftButton


def viewport_point(view: QGraphicsView, scene_point: QPointF) -> QPoint:
    return view.mapFromScene(scene_point)


def move(view: QGraphicsView, pos: QPoint, buttons: Qt.MouseButton = LEFT) -> None:
    """QTest's mouseMove cannot carry a held button; send the event Qt would send."""
    viewport = view.viewport()
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(pos),
                        QPointF(viewport.mapToGlobal(pos)), Qt.MouseButton.NoButton, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, event)


def drag(qtbot, view: QGraphicsView, start: QPointF, end: QPointF, steps: int = 4) -> None:
    """Press at `start`, move in steps, release at `end` (scene coordinates)."""
    viewport = view.viewport()
    a, b = viewport_point(view, start), viewport_point(view, end)
    qtbot.mousePress(viewport, LEFT, pos=a)
    for i in range(1, steps + 1):
        move(view, a + (b - a) * i / steps)
    qtbot.mouseRelease(viewport, LEFT, pos=b)


def click(qtbot, view: QGraphicsView, at: QPointF,
          modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.mouseClick(view.viewport(), LEFT, modifier, viewport_point(view, at))
