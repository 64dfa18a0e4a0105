"""The graph as inline SVG, drawn like the app's canvas: one card per node (name, op symbol,
shape, value, and the gradient line in a second colour), a bezier per edge, a tag at each
edge's midpoint for what it carried, a seed tag at each output and a sum tag under a node
whose gradient arrives in parts. Positions come from the document (its layout); the page
only fills in texts and classes per step.

Text is at least 12 px at the page's 1:1 scale: the SVG is shown at its natural size and the
canvas scrolls rather than shrinking it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from engine.document import Document, Edge, Node
from engine.ops import get_op, is_source
from engine.replay_view import Line

HEADER = 26.0
LINE = 19.0
PORT_GAP = 24.0
PORT_RADIUS = 5.5
CHAR_PX = 7.0  # an average character of DejaVu Sans / Arial at 12.5 px: cards fit their text
MIN_CARD, MAX_CARD = 190.0, 320.0  # longer lines are elided; the whole line is a tooltip
COLUMN_GAP = 120.0  # room between columns for edge tags (the document's cards leave 50)
ROOMY_GAP = 180.0  # for a graph of three columns or fewer: its tags clear the port names
DOC_CARD_WIDTH = 190.0  # the app's card width: document positions assume it
MARGIN = (24.0, 50.0, 130.0, 70.0)  # left, top (seed tags), right (seed tags), bottom (sums)
TAG_AT = 0.42  # the bezier parameter of an edge's tag
PORT_NAMES = 46.0  # more room on the left when a first-column card names its input ports
KIND_COLOURS = {"leaf": "#0072B2", "constant": "#8C8C8C", "op": "#009E73", "output": "#CC79A7"}


def node_kind(doc: Document, node_id: str) -> str:
    node = doc.node(node_id)
    if node.is_output:
        return "output"
    if node.op == "leaf" and node.requires_grad:
        return "leaf"
    return "constant" if is_source(node.op) else "op"


def clip(text: str, width: float) -> str:
    chars = max(4, int(width / CHAR_PX))
    return text if len(text) <= chars else text[: chars - 1] + "…"


@dataclass
class Placed:
    x: float
    y: float
    height: float
    ports: dict[str, float]  # input port -> y inside the card


class GraphPicture:
    """Card geometry for a document, and the SVG of everything that does not change."""

    def __init__(self, doc: Document, keys: dict[str, str], longest: dict[str, int],
                 seed_chars: dict[str, int] | None = None) -> None:
        """`keys`: node id -> the node's name on the page (ids come from files: never used
        in the page as they are); `longest`: the longest line each card will show;
        `seed_chars`: the longest seed tag of each output (the page is wide enough for it)."""
        self.doc = doc
        self.keys = keys
        nodes = list(doc.nodes())
        self.widths = {n.id: max(MIN_CARD, min(MAX_CARD, longest.get(n.id, 0) * CHAR_PX + 30))
                       for n in nodes}
        xs = self._columns(nodes)
        ys = [n.position[1] for n in nodes] or [0.0]
        left, top = min(xs.values(), default=0.0), min(ys)
        named_ports = any(len(get_op(n.op).inputs) > 1 and xs[n.id] == left for n in nodes)
        left -= PORT_NAMES if named_ports else 0.0
        self.placed: dict[str, Placed] = {}
        for node in nodes:
            ports = get_op(node.op).inputs
            height = max(HEADER + 3 * LINE + 10, HEADER + len(ports) * PORT_GAP + 10)
            self.placed[node.id] = Placed(
                xs[node.id] - left + MARGIN[0], node.position[1] - top + MARGIN[1], height,
                {p: HEADER + 14 + i * PORT_GAP for i, p in enumerate(ports)})
        right = max((p.x + self.widths[i] for i, p in self.placed.items()), default=0.0)
        bottom = max((p.y + p.height for p in self.placed.values()), default=0.0)
        tags = [self.placed[i].x + self.widths[i] + 12 + n * CHAR_PX + 20
                for i, n in (seed_chars or {}).items() if i in self.placed]
        self.width = max([right + MARGIN[2], *tags])
        self.height = bottom + MARGIN[3]

    def _columns(self, nodes: list[Node]) -> dict[str, float]:
        """x of each card: the document's left-to-right order and spacing, stretched so
        that each column of cards, as wide as its text needs, keeps room for edge tags."""
        by_x: dict[float, list[str]] = {}
        for node in nodes:
            by_x.setdefault(node.position[0], []).append(node.id)
        placed: dict[str, float] = {}
        gap = ROOMY_GAP if len(by_x) <= 3 else COLUMN_GAP
        x, previous, previous_width = 0.0, None, 0.0
        for doc_x in sorted(by_x):
            if previous is not None:
                step = doc_x - previous
                free = step - DOC_CARD_WIDTH  # the space between two cards on the canvas
                x += (previous_width + min(free * gap / 50, free + gap)
                      if free >= 0 else step * previous_width / DOC_CARD_WIDTH)
            for node_id in by_x[doc_x]:
                placed[node_id] = x
            previous, previous_width = doc_x, max(self.widths[i] for i in by_x[doc_x])
        return placed

    # ---- geometry -------------------------------------------------------------------------
    def out_port(self, node_id: str) -> tuple[float, float]:
        p = self.placed[node_id]
        return p.x + self.widths[node_id], p.y + HEADER / 2 + 10

    def in_port(self, edge: Edge) -> tuple[float, float]:
        p = self.placed[edge.target]
        return p.x, p.y + p.ports.get(edge.port, HEADER)

    def edge_path(self, edge: Edge) -> str:
        (x0, y0), (x3, y3) = self.out_port(edge.source), self.in_port(edge)
        dx = max(40.0, abs(x3 - x0) * 0.5)
        return (f"M{x0:.1f},{y0:.1f} C{x0 + dx:.1f},{y0:.1f} {x3 - dx:.1f},{y3:.1f} "
                f"{x3:.1f},{y3:.1f}")

    def edge_middle(self, edge: Edge) -> tuple[float, float]:
        """Where an edge's tag sits: on the bezier a little before its middle, clear of the
        target's port names, staggered by port so x * x's two tags do not overlap."""
        (x0, y0), (x3, y3) = self.out_port(edge.source), self.in_port(edge)
        dx = max(40.0, abs(x3 - x0) * 0.5)
        t = TAG_AT
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t ** 2, t ** 3
        x = a * x0 + b * (x0 + dx) + c * (x3 - dx) + d * x3
        y = a * y0 + b * y0 + c * y3 + d * y3
        ports = list(self.placed[edge.target].ports)
        if edge.port in ports:
            y += (ports.index(edge.port) - (len(ports) - 1) / 2) * 26
        return x, y

    # ---- SVG ------------------------------------------------------------------------------
    def svg(self, lines: dict[str, list[Line]], edge_ids: dict[Edge, str],
            gradient_nodes: set[str], carried: set[Edge], seeds: dict[str, str],
            errors: set[str]) -> str:
        """`lines`: each card's fixed lines; `gradient_nodes`: cards the replay animates (the
        others are dimmed); `carried`: edges that carry a gradient; `seeds`: the tag at each
        output; `errors`: nodes whose forward failed (a red border, as on the canvas)."""
        out = [f'<svg id="graph" width="{self.width:.0f}" '
               f'height="{self.height:.0f}" viewBox="0 0 {self.width:.0f} {self.height:.0f}" '
               f'role="img" aria-label="the computation graph">']
        for edge, item in edge_ids.items():
            dim = "" if edge in carried else " dim"
            names = self.doc.node(edge.source).name, self.doc.node(edge.target).name
            out.append(f'<path class="edge{dim}" id="p-{item}" d="{self.edge_path(edge)}">'
                       f'<title>{escape(f"{names[0]} → {names[1]}.{edge.port}")}</title></path>')
        for node_id in self.placed:
            out.append(self._card(node_id, lines[node_id], node_id in gradient_nodes,
                                  node_id in errors))
        for edge, item in edge_ids.items():
            x, y = self.edge_middle(edge)
            out.append(_tag(f"t-edge-{item}", x, y, "", centred=True))
        for node_id, placed in self.placed.items():
            if node_id in gradient_nodes:
                below = placed.y + placed.height + 18
                out.append(_tag(f"t-sum-{self.keys[node_id]}", placed.x, below, ""))
        for node_id, text in seeds.items():
            x, y = self.out_port(node_id)
            out.append(_tag(f"t-seed-{self.keys[node_id]}", x + 12, y - 24, text, shown=True))
        out.append('<circle id="pulse" class="pulse hidden" r="7"/>')  # the page moves it
        out.append("</svg>")
        return "\n".join(out)

    def _card(self, node_id: str, lines: list[Line], animated: bool, failed: bool) -> str:
        node, placed, w = self.doc.node(node_id), self.placed[node_id], self.widths[node_id]
        spec = get_op(node.op)
        kind = node_kind(self.doc, node_id)
        colour = KIND_COLOURS[kind]
        title = node.name + ("  (output)" if kind == "output" else "")
        symbol = spec.symbol if not is_source(node.op) else node.op
        h = placed.height
        classes = kind + ("" if animated else " dim") + (" error" if failed else "")
        parts = [f'<g class="node {classes}" id="n-{self.keys[node_id]}" '
                 f'transform="translate({placed.x:.1f},{placed.y:.1f})">',
                 f"<title>{escape(f'{node.name}: {spec.description}')}</title>",
                 f'<rect class="halo" x="-7" y="-7" width="{w + 14:.0f}" height="{h + 14:.0f}" '
                 'rx="12"/>',
                 f'<rect class="card" width="{w:.0f}" height="{h:.0f}" rx="7" '
                 f'style="stroke:{colour}"/>',
                 f'<path d="M0,{HEADER} V7 Q0,0 7,0 H{w - 7:.0f} Q{w:.0f},0 {w:.0f},7 V{HEADER} Z"'
                 f' style="fill:{colour}"/>',
                 f'<text class="title" x="8" y="{HEADER / 2 + 5:.0f}">'
                 f"{escape(clip(title, w - 16 - CHAR_PX * (len(symbol) + 1)))}</text>",
                 f'<text class="symbol" x="{w - 8:.0f}" y="{HEADER / 2 + 5:.0f}">'
                 f"{escape(symbol)}</text>"]
        left = 14 if spec.inputs else 8
        # a line the size estimate got wrong is cut at the card's edge, never drawn past it
        parts.append(f'<clipPath id="c-{self.keys[node_id]}"><rect width="{w - 6:.0f}" '
                     f'height="{h:.0f}"/></clipPath><g clip-path="url(#c-{self.keys[node_id]})">')
        y = HEADER + 15
        for text, role in lines:
            parts.append(f'<text class="line {role}" x="{left}" y="{y:.0f}">'
                         f"{escape(clip(text, w - left - 8))}</text>")
            y += LINE
        if animated:  # the gradient line the page rewrites at every step
            parts.append(f'<text class="line grad" id="g-{self.keys[node_id]}" x="{left}" '
                         f'y="{y:.0f}"><tspan></tspan><title></title></text>')
        parts.append("</g>")
        for port, py in placed.ports.items():
            parts.append(f'<circle class="port" cx="0" cy="{py:.0f}" r="{PORT_RADIUS}"/>')
            if len(placed.ports) > 1:  # a and b matter for sub, div and the losses
                parts.append(f'<text class="portname" x="-9" y="{py - 7:.0f}">'
                             f"{escape(port)}</text>")
        parts.append(f'<circle class="port" cx="{w:.0f}" cy="{HEADER / 2 + 10:.0f}" '
                     f'r="{PORT_RADIUS}"/>')
        parts.append("</g>")
        return "".join(parts)


def _tag(item_id: str, x: float, y: float, text: str, centred: bool = False,
         shown: bool = False) -> str:
    """A rounded label; the page sizes its box to the text and hides it when empty."""
    anchor = "middle" if centred else "start"
    return (f'<g class="tag{"" if shown else " hidden"}" id="{item_id}" '
            f'transform="translate({x:.1f},{y:.1f})" data-anchor="{anchor}">'
            f'<rect y="-11" height="22" rx="6"/><text y="4.5" text-anchor="{anchor}">'
            f"{escape(text)}</text></g>")

