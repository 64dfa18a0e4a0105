"""The canvas view: zoom with the wheel, pan with the middle button, fit all."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QGraphicsView

from gui import style
from gui.canvas.scene import GraphScene

EMPTY_HINT = "Drag an op from Ops, or press Tab\nFile → Import PyTorch code…"

MIN_ZOOM, MAX_ZOOM = 0.1, 4.0


class GraphView(QGraphicsView):
    def __init__(self, scene: GraphScene) -> None:
        super().__init__(scene)
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self._pan_from: QPoint | None = None
        self._was_empty = not scene.nodes
        scene.changed.connect(self._on_scene_changed)

    # ---- the hint on an empty canvas ------------------------------------------------------
    def is_empty(self) -> bool:
        scene = self.scene()
        return isinstance(scene, GraphScene) and not scene.nodes

    def _on_scene_changed(self) -> None:
        if self.is_empty() != self._was_empty:  # the hint appears or goes: repaint it all
            self._was_empty = self.is_empty()
            self.viewport().update()

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:  # noqa: N802
        super().drawForeground(painter, rect)
        if not self.is_empty():
            return
        painter.save()
        painter.resetTransform()  # in viewport pixels: centred whatever the zoom
        painter.setPen(QColor(style.GREY))
        painter.drawText(QRectF(self.viewport().rect()), Qt.AlignmentFlag.AlignCenter, EMPTY_HINT)
        painter.restore()

    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        target = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom() * factor))
        factor = target / self.zoom()
        self.scale(factor, factor)

    def fit_all(self) -> None:
        scene = self.scene()
        if scene is None or not scene.items():
            self.resetTransform()  # an empty canvas starts at 1:1 (e.g. after New)
            return
        rect = scene.itemsBoundingRect().adjusted(-40, -40, 40, 40)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > 1.5:  # a tiny graph should not be blown up past readable
            self.resetTransform()
            self.scale(1.5, 1.5)
            self.centerOn(rect.center())

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        self.zoom_by(1.0015 ** event.angleDelta().y())

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position().toPoint()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan_from is not None:
            delta = event.position().toPoint() - self._pan_from
            self._pan_from = event.position().toPoint()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan_from is not None and event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = None
            self.unsetCursor()
            return
        super().mouseReleaseEvent(event)
