"""The grad_fn graph autograd actually built (MulBackward0, SumBackward0, AccumulateGrad …),
each box named after the user's node it belongs to, lit in step with the replay.

Boxes are laid out in layers like engine/layout.py: the outputs' grad_fns on the right, the
AccumulateGrad nodes of leaves on the left, arrows in the direction gradients travel.
Clicking a box selects its node on the canvas.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from engine.replay import Replay
from engine.trace import AutogradNode
from gui import style

BOX_W, BOX_H = 170.0, 44.0
COLUMN, ROW = 230.0, 70.0


class FnBox(QGraphicsItem):
    def __init__(self, node: AutogradNode, owner: str) -> None:
        super().__init__()
        self.fn = node
        self.owner = owner
        self.done = False
        self.current = False
        self.setToolTip(f"{node.name}: autograd's node for {owner}" if owner else node.name)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return QRectF(-4, -4, BOX_W + 8, BOX_H + 8)

    def set_state(self, done: bool, current: bool) -> None:
        if (done, current) != (self.done, self.current):
            self.done, self.current = done, current
            self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        accent = style.grad_colour()
        fill = QColor(accent)
        fill.setAlpha(70 if self.done else 0)
        painter.setBrush(style.node_fill())
        painter.setPen(QPen(accent if (self.done or self.current) else QColor(style.GREY),
                            3.5 if self.current else 1.5))
        rect = QRectF(0, 0, BOX_W, BOX_H)
        painter.drawRoundedRect(rect, 6, 6)
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 6, 6)
        font = QFont(painter.font())
        font.setPointSizeF(9)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(style.text_colour())
        painter.drawText(QRectF(6, 3, BOX_W - 12, 20), Qt.AlignmentFlag.AlignCenter,
                         self.fn.name)
        font.setBold(False)
        font.setPointSizeF(8)
        painter.setFont(font)
        painter.setPen(QColor(style.GREY))
        painter.drawText(QRectF(6, 22, BOX_W - 12, 18), Qt.AlignmentFlag.AlignCenter,
                         f"for {self.owner}" if self.owner else "(no node)")

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        scene = self.scene()
        if isinstance(scene, AutogradScene) and self.fn.node_id:
            scene.node_clicked.emit(self.fn.node_id)
        event.accept()


class AutogradScene(QGraphicsScene):
    node_clicked = Signal(str)  # the user's node id


class AutogradView(QGraphicsView):
    def __init__(self) -> None:
        self._scene = AutogradScene()
        super().__init__(self._scene)
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing)
        self._scene.setBackgroundBrush(style.canvas_background())
        self.boxes: dict[int, FnBox] = {}
        self.replay: Replay | None = None
        self._shown_step: int | None = None
        self._current: int | None = None
        self.node_clicked = self._scene.node_clicked

    def set_replay(self, replay: Replay | None) -> None:
        self._scene.clear()
        self.boxes = {}
        self.replay = replay
        self._shown_step = None
        self._current = None
        if replay is None:
            return
        graph = replay.run.autograd
        positions = layered(graph)
        for node in graph:
            box = FnBox(node, replay.run.names.get(node.node_id or "", ""))
            box.setPos(QPointF(*positions[node.id]))
            self._scene.addItem(box)
            self.boxes[node.id] = box
        pen = QPen(style.text_colour(), 1.4)
        for node in graph:
            for nxt in node.next_ids:
                self._scene.addItem(_arrow(self.boxes[node.id], self.boxes[nxt], pen))
        self.fitInView(self._scene.itemsBoundingRect().adjusted(-20, -20, 20, 20),
                       Qt.AspectRatioMode.KeepAspectRatio)
        if self.transform().m11() > 1.0:
            self.resetTransform()

    def set_step(self, step: int) -> None:
        """Light the boxes whose autograd node has run by `step`; touches only the boxes
        that changed since the last step shown."""
        replay = self.replay
        if replay is None:
            return
        event = replay.events[step - 1] if step else None
        current = event.autograd_id if event else None
        if event is not None and event.kind == "accumulate":
            current = next((n.id for n in replay.run.autograd
                            if n.name == "AccumulateGrad" and n.node_id == event.node_id), None)
        if self._shown_step is None:
            changed = set(self.boxes)
        else:
            changed = {what for kind, what in replay.changed_keys(self._shown_step, step)
                       if kind == "fn"}
            changed |= {i for i in (self._current, current) if i is not None}
        for fn_id in changed:
            box = self.boxes.get(fn_id)
            if box is not None:
                box.set_state(replay.fn_done_at(fn_id, step), fn_id == current)
        self._shown_step, self._current = step, current

    def resizeEvent(self, event) -> None:  # noqa: N802, ANN001
        super().resizeEvent(event)
        if self.boxes:
            self.fitInView(self._scene.itemsBoundingRect().adjusted(-20, -20, 20, 20),
                           Qt.AspectRatioMode.KeepAspectRatio)
            if self.transform().m11() > 1.0:
                self.resetTransform()


def layered(graph: list[AutogradNode]) -> dict[int, tuple[float, float]]:
    """Column = longest distance from an output's grad_fn, mirrored so leaves sit left."""
    depth: dict[int, int] = {}
    by_id = {n.id: n for n in graph}
    indegree = {n.id: 0 for n in graph}
    for n in graph:
        for m in n.next_ids:
            indegree[m] += 1
    ready = [i for i, d in indegree.items() if d == 0]
    for i in ready:
        depth[i] = 0
    while ready:  # Kahn's order over a DAG: each node after all that send to it
        i = ready.pop()
        for m in set(by_id[i].next_ids):
            depth[m] = max(depth.get(m, 0), depth[i] + 1)
            indegree[m] -= by_id[i].next_ids.count(m)
            if indegree[m] == 0:
                ready.append(m)
    deepest = max(depth.values(), default=0)
    columns: dict[int, list[int]] = {}
    for i in sorted(depth):
        columns.setdefault(depth[i], []).append(i)
    positions: dict[int, tuple[float, float]] = {}
    for d, ids in columns.items():
        top = -(len(ids) - 1) * ROW / 2
        for row, i in enumerate(ids):
            positions[i] = ((deepest - d) * COLUMN, top + row * ROW)
    return positions


def _arrow(source: FnBox, target: FnBox, pen: QPen) -> QGraphicsPathItem:
    """From a grad_fn (right) to the node it sends gradients to (left)."""
    start = source.pos() + QPointF(0, BOX_H / 2)
    end = target.pos() + QPointF(BOX_W, BOX_H / 2)
    path = QPainterPath(start)
    dx = max(30.0, abs(start.x() - end.x()) * 0.4)
    path.cubicTo(start - QPointF(dx, 0), end + QPointF(dx, 0), end)
    path.moveTo(end)
    path.lineTo(end + QPointF(8, -4))
    path.moveTo(end)
    path.lineTo(end + QPointF(8, 4))
    item = QGraphicsPathItem(path)
    item.setPen(pen)
    item.setZValue(-1)
    return item
