"""What the backward replay draws on top of the canvas: a glow on nodes autograd has
finished, the gradient each edge carried (a label at its midpoint), the contributions adding
up at a node with several consumers, a pulse running from consumer back to producer, and
dimmed nodes and edges that never receive a gradient.

Items are made once per replay and then only updated for the keys a step changed.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from engine.document import Edge
from engine.format import preview
from engine.replay import Key, Replay
from engine.replay_view import event_node, seed_tags, sum_text
from engine.trace import EDGE_GRAD, TraceEvent
from gui import style
from gui.canvas.items import NODE_WIDTH, NodeItem
from gui.canvas.scene import GraphScene
from gui.replay.tag_spots import around_card, beside_wire, best

DIM = 0.3  # opacity of what receives no gradient


class Halo(QGraphicsItem):
    """A glow behind a node card: lit when autograd has finished the node's gradient."""

    def __init__(self, node: NodeItem) -> None:
        super().__init__(node)
        self.node = node
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemStacksBehindParent)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.current = False
        self.colours = (_alpha(style.grad_colour(), 110), _alpha(style.grad_colour(), 200))
        self.hide()

    def boundingRect(self) -> QRectF:  # noqa: N802
        return QRectF(-9, -9, NODE_WIDTH + 18, self.node.height() + 18)

    def set_state(self, lit: bool, current: bool) -> None:
        if current != self.current:
            self.current = current
            self.update()
        self.setVisible(lit or current)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.colours[self.current])
        painter.drawRoundedRect(QRectF(-6, -6, NODE_WIDTH + 12, self.node.height() + 12), 11, 11)


class Tag(QGraphicsItem):
    """A small text on a rounded background: an edge's gradient or a sum at a node."""

    def __init__(self, parent: QGraphicsItem | None = None, centred: bool = True) -> None:
        super().__init__(parent)
        self.text = ""
        self.centred = centred
        self.font = QFont()
        self.font.setPointSizeF(9.5)
        self._rect = QRectF()
        self.setZValue(5)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.colours = (QPen(style.grad_colour(), 1), style.node_fill(), style.grad_colour())
        self.hide()

    def set_text(self, text: str) -> None:
        if text == self.text:
            return
        self.prepareGeometryChange()
        self.text = text
        metrics = QFontMetricsF(self.font)
        lines = text.split("\n")
        width = max(metrics.horizontalAdvance(line) for line in lines) + 12
        left = -width / 2 if self.centred else 0.0
        self._rect = QRectF(left, -10, width, 20 + (len(lines) - 1) * metrics.lineSpacing())
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        border, fill, ink = self.colours
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(border)
        painter.setBrush(fill)
        painter.drawRoundedRect(self._rect, 6, 6)
        if option.levelOfDetailFromTransform(painter.worldTransform()) < 0.35:
            return  # too small to read: the box alone says "a gradient arrived here"
        painter.setFont(self.font)
        painter.setPen(ink)
        painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self.text)


class CanvasOverlay:
    def __init__(self, scene: GraphScene) -> None:
        self.scene = scene
        self.halos: dict[str, Halo] = {}
        self.sums: dict[str, Tag] = {}
        self.labels: dict[Edge, Tag] = {}
        self.dimmed: list[QGraphicsItem] = []
        self.seeds: list[Tag] = []
        self.seed_call: int | None = None  # the call whose seeds the tags show
        self.pulse: QGraphicsEllipseItem | None = None
        self.current_node: str | None = None

    # ---- life cycle -----------------------------------------------------------------------
    def build(self, replay: Replay) -> None:
        self.clear()
        carried = {e.edge for e in replay.events if e.kind == EDGE_GRAD}
        for node_id, item in self.scene.nodes.items():
            if node_id in replay.gradient_nodes:
                self.halos[node_id] = Halo(item)
            else:
                item.setOpacity(DIM)
                self.dimmed.append(item)
        for edge, edge_item in self.scene.edges.items():
            if edge not in carried:
                edge_item.setOpacity(DIM)
                self.dimmed.append(edge_item)
        r = 7.0
        self.pulse = QGraphicsEllipseItem(-r, -r, 2 * r, 2 * r)
        self.pulse.setBrush(QBrush(style.grad_colour()))
        self.pulse.setPen(QPen(QColor("white"), 2))
        self.pulse.setZValue(6)
        self.pulse.hide()
        self.scene.addItem(self.pulse)

    def clear(self) -> None:
        for item in self.dimmed:
            item.setOpacity(1.0)
        owned: list[QGraphicsItem] = [*self.halos.values(), *self.sums.values(),
                                      *self.labels.values(), *self.seeds]
        if self.pulse is not None:
            owned.append(self.pulse)
        for item in owned:
            if item.scene() is not None:
                item.scene().removeItem(item)
        self.halos, self.sums, self.labels, self.dimmed, self.seeds = {}, {}, {}, [], []
        self.pulse, self.current_node, self.seed_call = None, None, None

    # ---- one step -------------------------------------------------------------------------
    def _show_seeds(self, replay: Replay, step: int) -> None:
        """The seeds wait at the outputs: those of the call this step belongs to."""
        call = replay.call_at(step)
        if call == self.seed_call:
            return
        self.seed_call = call
        for old in self.seeds:
            if old.scene() is not None:
                old.scene().removeItem(old)
        self.seeds = []
        for node_id, text in seed_tags(replay, step).items():
            output = self.scene.nodes.get(node_id)
            if output is None or output.output_port is None:
                continue
            tag = Tag(output, centred=False)
            tag.set_text(text)
            self._beside_card(tag, output)  # inside the view, off wires, ports and labels
            tag.show()
            self.seeds.append(tag)

    def apply(self, replay: Replay, step: int, keys: set[Key]) -> None:
        self._show_seeds(replay, step)
        event = replay.events[step - 1] if step else None
        current = event_node(event)
        if current != self.current_node:
            keys = keys | {("node", n) for n in (current, self.current_node) if n}
            self.current_node = current
        for kind, what in keys:
            if kind == "edge":
                self._show_edge(what, replay.edge_grad_at(what, step))
            elif kind in ("node", "leaf"):
                self._show_node(replay, what, step)

    def _show_node(self, replay: Replay, node_id: str, step: int) -> None:
        self.scene.refresh_node(node_id)
        halo = self.halos.get(node_id)
        if halo is None:
            return
        total = replay.node_grad_at(node_id, step)
        halo.set_state(total is not None, node_id == self.current_node)
        # Σ a + b = c, as the web page has it, one term a line: a long sum stays as narrow as
        # a card, clear of the wires
        text = sum_text(replay, node_id, step, one_per_line=True)
        if text is not None:
            tag = self.sums.get(node_id)
            if tag is None:
                tag = self.sums[node_id] = Tag(halo.node, centred=False)
            tag.set_text(text)
            self._beside_card(tag, halo.node)
            tag.show()
        elif node_id in self.sums:
            self.sums[node_id].hide()

    def _show_edge(self, edge: Edge, grad: object) -> None:
        tag = self.labels.get(edge)
        if grad is None:
            if tag is not None:
                tag.hide()
            return
        new = tag is None
        if tag is None:
            tag = self.labels[edge] = Tag()
            self.scene.addItem(tag)
        tag.set_text(preview(grad))
        if new:
            self._place(edge)
        tag.show()

    def _place(self, edge: Edge) -> None:
        item, tag = self.scene.edges.get(edge), self.labels.get(edge)
        if item is None or tag is None:
            return
        # beside its wire, clear of ports, port names and other labels (x * x: two wires)
        visible = tag.isVisible()
        tag.hide()  # not in its own way
        spot = best(self.scene, tag.boundingRect(), beside_wire(item.path(), tag.boundingRect()),
                    self._labels())
        if spot is not None:
            tag.setPos(spot)
        tag.setVisible(visible)

    def _beside_card(self, tag: Tag, card: NodeItem) -> None:
        visible = tag.isVisible()
        tag.hide()
        spot = best(self.scene, tag.boundingRect(), around_card(card, tag.boundingRect()),
                    self._labels())
        if spot is not None:
            tag.setPos(card.mapFromScene(spot))
        tag.setVisible(visible)

    def _labels(self) -> set[QGraphicsItem]:
        return {*self.labels.values(), *self.sums.values(), *self.seeds}

    def follow_node(self, node_id: str) -> None:
        for edge in self.labels:
            if node_id in (edge.source, edge.target):
                self._place(edge)

    # ---- between steps --------------------------------------------------------------------
    def move_pulse(self, event: TraceEvent | None, t: float) -> None:
        """Place the pulse `t` of the way from the edge's consumer back to its producer."""
        if self.pulse is None:
            return
        item = self.scene.edges.get(event.edge) if (event and event.edge) else None
        if item is None:
            self.pulse.hide()
            return
        self.pulse.setPos(item.path().pointAtPercent(max(0.0, min(1.0, 1.0 - t))))
        self.pulse.show()

    def hide_pulse(self) -> None:
        if self.pulse is not None:
            self.pulse.hide()


def _alpha(colour: QColor, alpha: int) -> QColor:
    colour = QColor(colour)
    colour.setAlpha(alpha)
    return colour

