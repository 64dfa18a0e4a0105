"""Where the replay's labels go: beside a wire or a card, never on a wire, a port or a port's
name, as little as possible on a card's text, and inside the scene rect (so inside the view
the canvas was fitted to). Each label tries a few spots and takes the first free one, or the
least covered."""

from __future__ import annotations

import math
from collections.abc import Iterable

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from gui.canvas.items import NODE_WIDTH, PORT_LABEL_WIDTH, EdgeItem, NodeItem, PortItem

BLOCKED = 1000.0  # a wire, a port, a port's name, another label, or outside the scene rect


def cost(scene: QGraphicsScene, rect: QRectF, labels: set[QGraphicsItem]) -> float:
    """How much a label at `rect` (scene coordinates) would hide."""
    total = 0.0 if _room(scene).contains(rect) else BLOCKED
    for item in scene.items(rect):
        if item in labels and item.isVisible():
            total += BLOCKED
        elif isinstance(item, PortItem):
            total += BLOCKED
        elif isinstance(item, EdgeItem) and item.shape().intersects(rect):
            total += BLOCKED
        elif isinstance(item, NodeItem):
            card = item.mapRectToScene(QRectF(0, 0, NODE_WIDTH, item.height()))
            covered = card.intersected(rect)
            total += covered.width() * covered.height() / 40  # hides some of the card's text
            if len(item.input_ports) > 1 and any(
                    rect.intersects(name) for name in _port_names(item)):
                total += BLOCKED
    return total


def _room(scene: QGraphicsScene) -> QRectF:
    """The scene rect and what the views show: a label there is on screen without scrolling."""
    room = scene.sceneRect()
    for view in scene.views():
        room = room.united(view.mapToScene(view.viewport().rect()).boundingRect())
    return room


def _port_names(item: NodeItem) -> Iterable[QRectF]:
    for port in item.input_ports.values():
        y = port.pos().y()
        yield item.mapRectToScene(QRectF(-PORT_LABEL_WIDTH, y - 17, PORT_LABEL_WIDTH, 13))


def best(scene: QGraphicsScene, size: QRectF, spots: Iterable[QPointF],
         labels: set[QGraphicsItem]) -> QPointF | None:
    """The first spot where a label of local rect `size` hides nothing, else the least bad."""
    chosen, lowest = None, math.inf
    for spot in spots:
        score = cost(scene, size.translated(spot), labels)
        if score == 0:
            return spot
        if score < lowest:
            chosen, lowest = spot, score
    return chosen


def beside_wire(path: QPainterPath, size: QRectF) -> Iterable[QPointF]:
    """Spots off the wire's middle, on either side, moving out towards its ends."""
    half = size.height() / 2 + 5
    for distance in (half, half + 14, half + 30, half + 48):
        for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
            point = path.pointAtPercent(t)
            angle = math.radians(path.angleAtPercent(t))
            normal = QPointF(-math.sin(angle), -math.cos(angle))  # Qt's angles: anticlockwise
            for shift in (0.0, -size.width() / 3, size.width() / 3):
                for side in (1, -1):
                    yield point + normal * (side * distance) + QPointF(shift, 0)


def around_card(item: NodeItem, size: QRectF) -> Iterable[QPointF]:
    """Spots (scene coordinates of the label's origin) above, below and beside a card."""
    right_aligned, left_aligned = NODE_WIDTH - size.right(), -size.left()
    for extra in (0.0, 16.0, 34.0, 56.0, 80.0):
        top, bottom = -size.bottom() - 4 - extra, item.height() - size.top() + 4 + extra
        for local in (QPointF(right_aligned, top), QPointF(left_aligned, top),
                      QPointF(right_aligned, bottom), QPointF(left_aligned, bottom),
                      QPointF(NODE_WIDTH + 12 - size.left(), top)):
            yield item.mapToScene(local)
