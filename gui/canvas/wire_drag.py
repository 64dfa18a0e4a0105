"""A connection being dragged on the canvas: from an output port to an input port (or back),
or an existing edge picked up by its loose end to re-route or drop it. The drag only draws;
releasing it pushes the one undoable command the gesture means."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen, QUndoStack
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsView
from shiboken6 import isValid

from engine.document import Document, Edge
from gui import style
from gui.canvas.commands import ConnectCommand, DisconnectCommand, push
from gui.canvas.items import PortItem
from gui.canvas.scene import GraphScene
from gui.wiring import ShowStatus

ItemAt = Callable[[QPointF], QGraphicsItem | None]  # the item under a viewport point


class WireDrag:
    """`fixed` is the port the drag started from (for a picked-up edge: its source's output
    port); `picked` is the existing edge being re-routed."""

    def __init__(self, doc: Document, stack: QUndoStack, scene: GraphScene, view: QGraphicsView,
                 status: ShowStatus, port: PortItem) -> None:
        self.doc, self.stack, self.scene, self.view, self.status = doc, stack, scene, view, status
        self.picked: Edge | None = None
        self.hinting = False  # "release to connect" is on the status bar
        self.fixed = port
        if port.port is not None:
            self.picked = doc.in_edges(port.node_item.node_id).get(port.port)
            if self.picked is not None:  # pick up the edge's loose end
                source_item = scene.nodes[self.picked.source]
                assert source_item.output_port is not None
                self.fixed = source_item.output_port
                edge_item = scene.edges.get(self.picked)
                if edge_item is not None:
                    edge_item.setVisible(False)
        self.line = QGraphicsPathItem()
        self.line.setPen(QPen(style.grad_colour(), 2, Qt.PenStyle.DashLine))
        self.line.setZValue(5)
        scene.addItem(self.line)

    @property
    def from_output(self) -> bool:
        return self.fixed.port is None

    def drag(self, pos: QPointF, item_at: ItemAt) -> None:
        here = self.view.mapToScene(pos.toPoint())
        start = self.fixed.scene_centre()
        a, b = (start, here) if self.from_output else (here, start)
        path = QPainterPath(a)
        dx = max(40.0, abs(b.x() - a.x()) * 0.5)
        path.cubicTo(a + QPointF(dx, 0), b - QPointF(dx, 0), b)
        self.line.setPath(path)
        target = self.target(pos, item_at)
        colour = style.grad_colour()
        if target is not None:
            reason = self.doc.can_connect(*target)
            self.status(f"Cannot connect: {reason}" if reason else "release to connect", 3000)
            self.hinting = True
            colour = QColor(style.VERMILLION if reason else style.GREEN)
        elif self.hinting:  # off the port again: the hint no longer holds
            self._clear_hint()
        if self.line.pen().color() != colour:  # green: will connect; red: refused
            self.line.setPen(QPen(colour, 2.5, Qt.PenStyle.DashLine))

    def _clear_hint(self) -> None:
        if self.hinting:
            self.hinting = False
            self.status("", 0)

    def target(self, pos: QPointF, item_at: ItemAt) -> tuple[str, str, str] | None:
        """(source, target, port) the wire would make if released at `pos`, else None."""
        item = item_at(pos)
        if not isinstance(item, PortItem):
            return None
        if self.from_output and item.port is not None:
            return self.fixed.node_item.node_id, item.node_item.node_id, item.port
        if not self.from_output and item.port is None:
            assert self.fixed.port is not None
            return item.node_item.node_id, self.fixed.node_item.node_id, self.fixed.port
        return None

    def apply(self, target: tuple[str, str, str] | None,
              connect: Callable[[str, str, str], bool]) -> None:
        """After `end()`: make what releasing over `target` (None: over nothing) means."""
        self._clear_hint()
        picked = self.picked
        if picked is None:
            if target is not None:
                connect(*target)
            return
        if target is None:
            push(self.stack, DisconnectCommand(self.doc, picked.target, picked.port))
            self.status("disconnected", 2000)
        elif (target[1], target[2]) != (picked.target, picked.port):
            reason = self.doc.can_connect(*target)
            if reason:
                self.status(f"Cannot connect: {reason}", 6000)
                return
            self.stack.beginMacro(f"Reconnect {self.doc.node(picked.source).name}")
            push(self.stack, DisconnectCommand(self.doc, picked.target, picked.port))
            push(self.stack, ConnectCommand(self.doc, *target))
            self.stack.endMacro()

    def alive(self) -> bool:
        """False once an undo or a new document took the port away mid-drag."""
        fixed = self.fixed
        return (isValid(fixed) and isValid(self.line)
                and self.scene.nodes.get(fixed.node_item.node_id) is fixed.node_item)

    def end(self) -> None:
        if isValid(self.line) and self.line.scene() is self.scene:
            self.scene.removeItem(self.line)
        if self.picked is not None:
            edge_item = self.scene.edges.get(self.picked)
            if edge_item is not None:
                edge_item.setVisible(True)
