"""Graphics items of the canvas: a node card with ports, and a bezier edge."""

from __future__ import annotations

import functools

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
)
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from engine.document import Node
from engine.ops import LEAF, get_op, is_source
from gui import style

# Sizes in scene units. The fonts are large for a card so that the default view (which never
# zooms below READABLE_ZOOM, gui/canvas/view.py) shows card text at 10 px or more and port
# names at 9 px or more on screen.
NODE_WIDTH = 180.0
HEADER = 26.0
LINE = 19.0
PORT_RADIUS = 5.5
PORT_GAP = 26.0  # between input ports: a port name fits between two wires
PORT_LABEL_WIDTH = 64.0  # room left of a card for its input ports' names ("exponent")
TEXT_MIN_ZOOM = 0.4  # below this zoom, cards are drawn without text
TITLE_PT, BODY_PT, PORT_PT = 10.5, 10.0, 9.0


def node_kind(node: Node) -> str:
    if node.is_output:
        return "output"
    if node.op == LEAF and node.requires_grad:
        return "leaf"
    if is_source(node.op):
        return "constant"
    return "op"


class PortItem(QGraphicsEllipseItem):
    """An input port (left edge, named) or the output port (right edge, name None)."""

    def __init__(self, parent: NodeItem, port: str | None, centre: QPointF) -> None:
        r = PORT_RADIUS
        super().__init__(-r, -r, 2 * r, 2 * r, parent)
        self.node_item = parent
        self.port = port
        self.setPos(centre)
        brush, pen = _port_paint()
        self.setBrush(brush)
        self.setPen(pen)
        self.setToolTip(f"input {port}" if port else "output: drag to an input port")
        self.setZValue(2)

    def scene_centre(self) -> QPointF:
        return self.mapToScene(QPointF(0, 0))


@functools.cache
def _port_paint() -> tuple[QBrush, QPen]:
    """One brush and pen for every port (a thousand-card graph has thousands of ports)."""
    return QBrush(QColor(style.GREY)), QPen(QColor("#555555"), 1)


class NodeItem(QGraphicsItem):
    """A node card: header (name, op symbol), shape, value, and the gradient after a run."""

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node_id = node.id
        # No itemChange override: Qt would call it into Python ~10 times per card (a third
        # of building 1000 cards). A move is told from set_node and mouseMoveEvent.
        flag = QGraphicsItem.GraphicsItemFlag
        self.setFlags(flag.ItemIsSelectable | flag.ItemIsMovable)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.input_ports: dict[str, PortItem] = {}
        self.output_port: PortItem | None = None
        self.lines: list[tuple[str, str]] = []  # (text, role) role: value|grad|error|muted
        self._rows: list[tuple[str, str]] = []  # the lines wrapped to the card's width
        self._ports_height = HEADER + 3 * LINE + 8
        self._shown: tuple[object, ...] = ()  # what set_lines last drew, to skip a repeat
        self.error: str | None = None
        self._height = HEADER + 3 * LINE + 8
        self._tip = ""
        self.set_node(node)

    # ---- content --------------------------------------------------------------------------
    def set_node(self, node: Node) -> None:
        self.node = node
        position = QPointF(*node.position)
        if position != self.pos():
            self.setPos(position)
            self._tell_moved()
        spec = get_op(node.op)
        ports = spec.inputs
        self.prepareGeometryChange()
        self._ports_height = max(HEADER + 3 * LINE + 8, HEADER + len(ports) * PORT_GAP + 8)
        self._height = max(self._ports_height, HEADER + len(self._rows) * LINE + 8)
        if tuple(self.input_ports) != ports:  # an op never changes: build ports once
            for item in list(self.input_ports.values()):
                item.setParentItem(None)  # type: ignore[arg-type]  # Qt takes None: detach
                if item.scene():
                    item.scene().removeItem(item)
            self.input_ports = {}
            for i, port in enumerate(ports):
                self.input_ports[port] = PortItem(self, port,
                                                  QPointF(0, HEADER + 14 + i * PORT_GAP))
        if self.output_port is None:
            self.output_port = PortItem(self, None, QPointF(NODE_WIDTH, HEADER / 2 + 10))
        kind = node_kind(node)
        self._set_tip(f"{node.name}: {spec.description}")
        self._kind = kind
        self.update()

    def set_lines(self, lines: list[tuple[str, str]], error: str | None = None) -> None:
        shown = (lines, error, self.node.name, self._tip)
        if shown == self._shown:
            return  # every run sets every card: repaint only the ones that changed
        self.lines = lines
        self.error = error
        width = NODE_WIDTH - _text_left(self.node) - 8
        self._rows = [(row, role) for text, role in lines for row in _wrap(text, width)]
        height = max(self._ports_height, HEADER + len(self._rows) * LINE + 8)
        if height != self._height:
            self.prepareGeometryChange()
            self._height = height
        if error:
            self._set_tip(f"{self.node.name}: {error}")
        else:
            self._set_tip(f"{self.node.name}: {get_op(self.node.op).description}")
        self._shown = (lines, error, self.node.name, self._tip)
        self.update()

    def _set_tip(self, tip: str) -> None:
        if tip != self._tip:
            self._tip = tip
            self.setToolTip(tip)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        # Qt's drag moves this card and every other selected movable one
        scene = self.scene()
        dragged = [i for i in scene.selectedItems() if isinstance(i, NodeItem)] if scene else []
        before = [(item, item.pos()) for item in {self, *dragged}]
        super().mouseMoveEvent(event)
        for item, position in before:
            if item.pos() != position:
                item._tell_moved()

    def _tell_moved(self) -> None:
        # the GraphScene's signal; this module cannot import the scene (it imports us)
        moved = getattr(self.scene(), "node_moved", None)
        if moved is not None:
            moved.emit(self.node_id)

    # ---- painting -------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        left = PORT_LABEL_WIDTH if len(self.input_ports) > 1 else 8
        return QRectF(-left, -8, NODE_WIDTH + 8 + left, self._height + 16)

    def shape(self) -> QPainterPath:
        # clicks hit the card only, not the margin for port names and the badge
        path = QPainterPath()
        path.addRect(QRectF(0, 0, NODE_WIDTH, self._height))
        return path

    def height(self) -> float:
        return self._height

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        rect = QRectF(0, 0, NODE_WIDTH, self._height)
        colour = QColor(style.KIND_COLOURS[self._kind])
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        border = QPen(colour.darker(115), 3 if self._kind == "output" else 1.5)
        if self.isSelected():
            border = QPen(QColor(style.SKY), 3)
        if self.error:
            border = QPen(QColor(style.VERMILLION), 3)
        if self.error and self.isSelected():  # the red border must not hide the selection
            painter.setPen(QPen(QColor(style.SKY), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-4, -4, 4, 4), 9, 9)
        painter.setPen(border)
        painter.setBrush(style.node_fill())
        painter.drawRoundedRect(rect, 7, 7)
        painter.fillPath(_header_path(), colour)
        if option.levelOfDetailFromTransform(painter.worldTransform()) < TEXT_MIN_ZOOM:
            return  # zoomed far out: text would be unreadable specks, and costs the most
        title_font, title_metrics, body_font, body_metrics = _fonts()
        painter.setFont(title_font)
        painter.setPen(QColor("white"))
        spec = get_op(self.node.op)
        title = self.node.name
        if self._kind == "output":
            title += "  (output)"
        badge = _badge_text(self.node.op, spec.symbol)
        badge_rect = _badge_rect(badge, body_metrics)
        title_width = badge_rect.left() - 12
        painter.drawText(QRectF(8, 0, title_width, HEADER), Qt.AlignmentFlag.AlignVCenter,
                         title_metrics.elidedText(title, Qt.TextElideMode.ElideRight,
                                                  title_width))
        # the op as a rounded pill ("mul ×"): a bare × at the corner read as a close button
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 215))
        painter.drawRoundedRect(badge_rect, badge_rect.height() / 2, badge_rect.height() / 2)
        painter.setFont(body_font)
        painter.setPen(colour.darker(150))
        painter.drawText(badge_rect, Qt.AlignmentFlag.AlignCenter, badge)
        left = _text_left(self.node)
        y = HEADER + 3
        for text, role in self._rows:
            painter.setPen(_role_colour(role))
            painter.drawText(QRectF(left, y, NODE_WIDTH - left - 8, LINE),
                             Qt.AlignmentFlag.AlignVCenter,
                             body_metrics.elidedText(text, Qt.TextElideMode.ElideRight,
                                                     NODE_WIDTH - left - 8))
            y += LINE
        if len(self.input_ports) > 1:  # which port is a and which b matters: sub, div, losses
            painter.setFont(_port_font())
            painter.setPen(QColor(style.GREY))
            for port, item in self.input_ports.items():
                # above its port, where the wire runs straight (EdgeItem): never crossed
                y = item.pos().y()
                painter.drawText(QRectF(-PORT_LABEL_WIDTH, y - 17, PORT_LABEL_WIDTH - 6, 13),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                                 port)
        if self.error:
            painter.setBrush(QColor(style.VERMILLION))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawEllipse(QPointF(NODE_WIDTH - 4, -2), 8, 8)
            painter.setPen(QColor("white"))
            painter.drawText(QRectF(NODE_WIDTH - 12, -10, 16, 16), Qt.AlignmentFlag.AlignCenter,
                             "!")


# Built once on first paint (a QApplication must exist), not on every paint.
_FONTS: tuple[QFont, QFontMetricsF, QFont, QFontMetricsF] | None = None
_HEADER: QPainterPath | None = None


def _fonts() -> tuple[QFont, QFontMetricsF, QFont, QFontMetricsF]:
    global _FONTS
    if _FONTS is None:
        title = QFont()
        title.setPointSizeF(TITLE_PT)
        title.setBold(True)
        body = QFont()
        body.setPointSizeF(BODY_PT)
        _FONTS = (title, QFontMetricsF(title), body, QFontMetricsF(body))
    return _FONTS


_PORT_FONT: QFont | None = None


def _port_font() -> QFont:
    global _PORT_FONT
    if _PORT_FONT is None:
        _PORT_FONT = QFont()
        _PORT_FONT.setPointSizeF(PORT_PT)
    return _PORT_FONT


def _text_left(node: Node) -> float:
    return 14.0 if get_op(node.op).inputs else 8.0


MAX_ROWS = 2  # of one value: a longer one ends in "…". With the shape line, a card is at most
# five rows (129 units) high: the layout stacks cards 91 + 50 apart (engine/layout.py), so a
# card never reaches the next one in its column


# many cards show the same text ("∇ computing…", equal values), and the fonts, once built,
# never change: each text is measured once
@functools.lru_cache(maxsize=4096)
def _wrap(text: str, width: float) -> tuple[str, ...]:
    """A value too wide for the card continues on the next row, broken after a comma, so a
    learner reads every number of a small tensor instead of its first half."""
    metrics = _fonts()[3]
    if metrics.horizontalAdvance(text) <= width:
        return (text,)
    rows: list[str] = []
    rest = text
    while rest and len(rows) < MAX_ROWS - 1 and metrics.horizontalAdvance(rest) > width:
        cut = row_end = -1  # the last comma that fits, and the last one that ends a row "],"
        for i, char in enumerate(rest):
            if char == "," and metrics.horizontalAdvance(rest[:i + 1]) <= width:
                cut = i + 1
                row_end = i + 1 if rest[i - 1] == "]" else row_end
        cut = row_end if row_end > 0 else cut
        if cut <= 0:
            break
        rows.append(rest[:cut])
        rest = "  " + rest[cut:].lstrip()
    rows.append(metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width))
    return tuple(rows)


BADGE_MAX = NODE_WIDTH * 0.5  # the name keeps the other half of the header


def _badge_text(op: str, symbol: str) -> str:
    """"mul ×"; a long name gives way to its short symbol ("BCE"); elided as a last resort."""
    metrics = _fonts()[3]
    for text in (op if symbol in ("", op) or is_source(op) else f"{op} {symbol}", symbol):
        if metrics.horizontalAdvance(text) + 12 <= BADGE_MAX:
            return text
    return metrics.elidedText(op, Qt.TextElideMode.ElideRight, BADGE_MAX - 12)


def _badge_rect(text: str, metrics: QFontMetricsF) -> QRectF:
    width = min(metrics.horizontalAdvance(text) + 12, BADGE_MAX)
    return QRectF(NODE_WIDTH - width - 5, 4, width, HEADER - 8)


def _header_path() -> QPainterPath:
    global _HEADER
    if _HEADER is None:
        header = QPainterPath()
        header.setFillRule(Qt.FillRule.WindingFill)  # the two shapes overlap: fill both
        header.addRoundedRect(QRectF(0, 0, NODE_WIDTH, HEADER), 7, 7)
        header.addRect(QRectF(0, HEADER / 2, NODE_WIDTH, HEADER / 2))
        _HEADER = header.simplified()
    return _HEADER


def _role_colour(role: str) -> QColor:
    if role == "grad":
        return style.grad_colour()
    if role == "error":
        return QColor(style.VERMILLION)
    if role == "muted":
        return QColor(style.GREY)
    return style.text_colour()


class EdgeItem(QGraphicsPathItem):
    """A bezier from a node's output port to another node's input port."""

    def __init__(self, source: NodeItem, target: NodeItem, port: str) -> None:
        super().__init__()
        self.source, self.target, self.port = source, target, port
        self.carries_grad = True
        self._stroke: QPainterPath | None = None  # shape(), until the path changes
        self.setZValue(-1)
        self.refresh()

    def shape(self) -> QPainterPath:
        # the stroke only: the area a bezier encloses must stay empty canvas for clicks.
        # Qt asks for it of every wire on the first paint and on hit tests: once per path
        if self._stroke is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(8)
            self._stroke = stroker.createStroke(self.path())
        return self._stroke

    def set_carries_grad(self, carries: bool) -> None:
        if carries != self.carries_grad:  # every run sets it: redraw only what changed
            self.carries_grad = carries
            self.refresh()

    def refresh(self) -> None:
        assert self.source.output_port is not None
        start = self.source.output_port.scene_centre()
        target_port = self.target.input_ports.get(self.port)
        end = target_port.scene_centre() if target_port else self.target.scenePos()
        self.setPath(edge_path(start, end))
        self._stroke = None
        pen = QPen(style.text_colour() if self.carries_grad else QColor(style.GREY), 1.8)
        if not self.carries_grad:
            pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)
        self.setToolTip(f"{self.source.node.name} → {self.target.node.name}.{self.port}"
                        + ("" if self.carries_grad else " (carries no gradient)"))


def edge_path(start: QPointF, end: QPointF) -> QPainterPath:
    """A bezier that ends in a straight run as long as the port names are wide: the name sits
    just above that run, so no wire crosses it."""
    path = QPainterPath(start)
    run_in = min(PORT_LABEL_WIDTH, max(0.0, end.x() - start.x() - 20))
    bend_end = end - QPointF(run_in, 0)
    dx = max(40.0, abs(bend_end.x() - start.x()) * 0.5)
    path.cubicTo(start + QPointF(dx, 0), bend_end - QPointF(dx, 0), bend_end)
    path.lineTo(end)
    return path
