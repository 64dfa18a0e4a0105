"""The canvas view: zoom with the wheel, pan with the middle button, fit all."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFontInfo, QMouseEvent, QPainter, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QGraphicsView

from gui import style
from gui.canvas import items
from gui.canvas.scene import GraphScene

EMPTY_HINT = "Drag an op from Ops, or press Tab\nFile → Import PyTorch code…"

MIN_ZOOM, MAX_ZOOM = 0.1, 4.0
CARD_TEXT_PX, PORT_LABEL_PX = 10.0, 9.0  # the smallest text a learner reads without effort


def readable_zoom() -> float:
    """The zoom at which card text is CARD_TEXT_PX and port names PORT_LABEL_PX on screen."""
    _, _, body, _ = items._fonts()
    card = CARD_TEXT_PX / QFontInfo(body).pixelSize()
    port = PORT_LABEL_PX / QFontInfo(items._port_font()).pixelSize()
    return max(card, port) * 1.001  # a hair above: a float product must not land below


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

        # True from a fit until the user zooms or scrolls: while it holds, a resize (the
        # docks settling at start, a window resize) fits again instead of leaving scroll bars
        self.fitted = False
        self._fitted_size = self.size()
        scene.sceneRectChanged.connect(self._on_scene_rect)
        for bar in (self.horizontalScrollBar(), self.verticalScrollBar()):
            bar.actionTriggered.connect(self._user_moved)

    def _user_moved(self) -> None:
        self.fitted = False

    def _on_scene_rect(self, _rect: QRectF) -> None:
        self._follow_scene_rect()

    def _follow_scene_rect(self, inset_px: float = 0.0) -> None:
        """The scrollable area: the cards (GraphScene's rect) and what is on screen now, so a
        card dragged or added near the edge never shifts the view under the mouse."""
        scene = self.scene()
        if scene is not None:
            shown = self.mapToScene(self.viewport().rect()).boundingRect()
            margin = inset_px / max(self.zoom(), 1e-6)
            self.setSceneRect(scene.sceneRect().united(shown.adjusted(margin, margin,
                                                                      -margin, -margin)))

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
        self.fitted = False
        target = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom() * factor))
        factor = target / self.zoom()
        self.scale(factor, factor)

    def fit_all(self) -> None:
        """Show the whole graph, but never smaller than readable: a graph too big for the
        view at that zoom scrolls, starting at its leaves (where the gradients arrive)."""
        scene = self.scene()
        if scene is None or not scene.items():
            self.resetTransform()  # an empty canvas starts at 1:1 (e.g. after New)
            return
        rect = scene.sceneRect()  # the cards and a margin (GraphScene keeps it)
        self.setSceneRect(rect)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        floor = readable_zoom()
        if self.zoom() < floor:
            self.resetTransform()
            self.scale(floor, floor)
            seen_w = self.viewport().width() / floor
            seen_h = self.viewport().height() / floor
            x = rect.left() + seen_w / 2 if rect.width() > seen_w else rect.center().x()
            y = rect.top() + seen_h / 2 if rect.height() > seen_h else rect.center().y()
            self.centerOn(QPointF(x, y))
        elif self.zoom() > 1.5:  # a tiny graph should not be blown up past readable
            self.resetTransform()
            self.scale(1.5, 1.5)
            self.centerOn(rect.center())
        self._follow_scene_rect(inset_px=2)  # a rounding pixel must not add a scroll bar
        self.fitted, self._fitted_size = True, self.size()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        # the widget itself, not a scroll bar coming or going (that resizes only the viewport)
        if self.fitted and self.size() != self._fitted_size:
            self.fit_all()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        self.zoom_by(1.0015 ** event.angleDelta().y())

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position().toPoint()
            self.fitted = False
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
