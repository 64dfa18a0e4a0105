"""Layered left-to-right layout (the Sugiyama scheme, small enough to read in one go).

1. Columns: a node's column is its depth (longest path from a source); a source (leaf,
   constant) moves right to sit just before its first consumer, so `b` in `W @ x + b` is
   not stranded two columns away from the `+` it feeds.
2. An edge that spans several columns gets a placeholder in every column it crosses: the
   placeholder takes a slot, so no card is put where the wire has to pass.
3. Order inside a column: barycenter sweeps (left to right, then right to left, a few
   times), which is what removes most crossings; an input port's rank breaks ties so the
   source of `input` sits above the source of `other`.
4. Rows: each column is stacked and centred; then every wire is sampled as the canvas draws
   it, and a card it would pass under is pushed down (with the rest of its column) until
   none is.

Compared with networkx's multipartite_layout (columns only, order as given: the linear
layer's `b → y` ran under `Wx`) and grandalf (a full Sugiyama, but one more dependency for
graphs of a few dozen nodes), this is ~150 lines with no dependency beyond networkx.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from engine.document import Document
from engine.ops import get_op

# Card geometry as the canvas draws it (gui/canvas/items.py); only used to keep wires clear.
CARD_WIDTH = 180.0
CARD_HEIGHT = 91.0  # three text lines under the header; more ports make a card taller
HEADER = 26.0
PORT_GAP = 26.0
PORT_LABEL_WIDTH = 64.0  # the names left of a card's ports, as gui/canvas/items.py draws them

COLUMN_WIDTH = CARD_WIDTH + 100.0  # room for the port names and the wire's bend
ROW_GAP = 50.0  # between two cards of a column
SLOT = 40.0  # the height a passing wire's placeholder takes
SWEEPS = 4
CLEARANCE = 10.0  # a wire passes a card at least this far away

Slot = tuple[str, int]  # (node id, 0) for a card; (edge key, k) for a placeholder


def card_height(doc: Document, node_id: str) -> float:
    ports = len(get_op(doc.node(node_id).op).inputs)
    return max(CARD_HEIGHT, HEADER + ports * PORT_GAP + 8)


def columns_of(graph: nx.MultiDiGraph) -> dict[str, int]:
    column: dict[str, int] = {}
    for node in nx.topological_sort(graph):
        column[node] = max((column[p] + 1 for p in graph.predecessors(node)), default=0)
    for node in graph:  # sources next to their first consumer
        if graph.in_degree(node) == 0 and graph.out_degree(node) > 0:
            column[node] = min(column[s] for s in graph.successors(node)) - 1
    return column


def layered_positions(doc: Document) -> dict[str, tuple[float, float]]:
    """Top-left corner of every card."""
    graph = doc.graph
    if not len(graph):
        return {}
    column = columns_of(graph)
    layers: dict[int, list[str]] = defaultdict(list)
    for node_id in sorted(graph, key=lambda i: (doc.node(i).position[1], i)):
        layers[column[node_id]].append(node_id)
    # placeholders: a chain of slots for each edge that skips columns
    links: list[tuple[str, str, float]] = []  # (left slot, right slot, port rank of the right)
    for source, target, port in graph.edges(keys=True):
        ports = get_op(doc.node(target).op).inputs
        rank = ports.index(port) / max(1, len(ports)) if port in ports else 0.0
        chain = [source]
        for c in range(column[source] + 1, column[target]):
            slot = f"{source}>{target}.{port}#{c}"
            layers[c].append(slot)
            chain.append(slot)
        chain.append(target)
        for left, right in zip(chain, chain[1:], strict=False):
            links.append((left, right, rank if right == target else 0.0))
    order = _order(layers, links)
    heights = {i: (card_height(doc, i) if i in graph else SLOT) for c in order for i in order[c]}
    ys = _stack(order, heights)
    positions = {i: (c * COLUMN_WIDTH, ys[i]) for c in order for i in order[c] if i in graph}
    _clear_wires(doc, order, heights, positions)
    lowest = min(column.values())
    return {i: (x - lowest * COLUMN_WIDTH, y) for i, (x, y) in positions.items()}


def _order(layers: dict[int, list[str]],
           links: list[tuple[str, str, float]]) -> dict[int, list[str]]:
    order = {c: list(layers[c]) for c in sorted(layers)}
    left_of: dict[str, list[tuple[str, float]]] = defaultdict(list)
    right_of: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for left, right, rank in links:
        left_of[right].append((left, 0.0))
        right_of[left].append((right, rank))
    cols = sorted(order)
    for _ in range(SWEEPS):
        for sweep, neighbours in ((cols[1:], left_of), (cols[-2::-1], right_of)):
            for c in sweep:
                index = {i: k for side in (c - 1, c + 1) for k, i in enumerate(order.get(side, []))}
                order[c] = _by_barycenter(order[c], neighbours, index)
    return order


def _by_barycenter(column: list[str], neighbours: dict[str, list[tuple[str, float]]],
                   index: dict[str, int]) -> list[str]:
    def key(item: tuple[int, str]) -> float:
        k, slot = item
        near = [index[n] + rank for n, rank in neighbours[slot] if n in index]
        return sum(near) / len(near) if near else float(k)
    return [slot for _, slot in sorted(enumerate(column), key=key)]


def _stack(order: dict[int, list[str]], heights: dict[str, float]) -> dict[str, float]:
    ys: dict[str, float] = {}
    for column in order.values():
        total = sum(heights[i] for i in column) + ROW_GAP * (len(column) - 1)
        y = -total / 2
        for slot in column:
            ys[slot] = y
            y += heights[slot] + ROW_GAP
    return ys


def _clear_wires(doc: Document, order: dict[int, list[str]], heights: dict[str, float],
                 positions: dict[str, tuple[float, float]]) -> None:
    """Push a card down, with the cards below it, while some wire passes under it.

    Passes over every wire until one pass pushes nothing; a wire is only tested against the
    cards of the columns it spans, and only sampled when one of them is within its height
    range, so a 1000-node graph takes a fraction of a second, not minutes."""
    column_of = {i: c for c, ids in order.items() for i in ids if i in positions}
    cards = {c: [i for i in ids if i in positions] for c, ids in order.items()}
    for _ in range(4 * len(positions)):  # each push moves a card down; this ends
        pushed = False
        for source, target, port in doc.graph.edges(keys=True):
            hit = _first_hit(doc, positions, heights, source, target, port,
                             _spanned(cards, column_of[source], column_of[target]))
            if hit is None:
                continue
            node_id, overlap = hit
            column = cards[column_of[node_id]]
            for other in column[column.index(node_id):]:
                positions[other] = (positions[other][0], positions[other][1] + overlap)
            pushed = True
        if not pushed:
            return


def _spanned(cards: dict[int, list[str]], first: int, last: int) -> list[str]:
    low, high = min(first, last), max(first, last)
    return [i for c in range(low, high + 1) for i in cards.get(c, ())]


def _first_hit(doc: Document, positions: dict[str, tuple[float, float]],
               heights: dict[str, float], source: str, target: str, port: str,
               candidates: list[str]) -> tuple[str, float] | None:
    """The first card the wire source → target.port passes under, and by how much."""
    points: list[tuple[float, float]] | None = None
    low = high = 0.0
    for node_id in candidates:
        if node_id in (source, target):
            continue
        if points is None:
            points = wire_points(doc, positions, source, target, port)
            low, high = min(p[1] for p in points), max(p[1] for p in points)
        x, y = positions[node_id]
        h = heights[node_id]
        if high < y - CLEARANCE or low > y + h + CLEARANCE:
            continue  # the wire stays above or below this card
        left, right = x - PORT_LABEL_WIDTH, x + CARD_WIDTH + 8
        under = [py for px, py in points if left <= px <= right
                 and y - CLEARANCE <= py <= y + h + CLEARANCE]
        if under:
            return node_id, max(under) - y + CLEARANCE + 1
    return None


def wire_points(doc: Document, positions: dict[str, tuple[float, float]], source: str,
                target: str, port: str, samples: int = 40) -> list[tuple[float, float]]:
    """Points along the wire as gui/canvas/items.py draws it: a bezier, then a straight run
    into the port under its name."""
    sx, sy = positions[source]
    tx, ty = positions[target]
    ports = get_op(doc.node(target).op).inputs
    start = (sx + CARD_WIDTH, sy + HEADER / 2 + 10)
    end = (tx, ty + HEADER + 14 + (ports.index(port) if port in ports else 0) * PORT_GAP)
    run_in = min(PORT_LABEL_WIDTH, max(0.0, end[0] - start[0] - 20))
    bend = (end[0] - run_in, end[1])
    dx = max(40.0, abs(bend[0] - start[0]) * 0.5)
    c1, c2 = (start[0] + dx, start[1]), (bend[0] - dx, bend[1])
    points = []
    for k in range(samples + 1):
        t = k / samples
        u = 1 - t
        points.append((u**3 * start[0] + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0]
                       + t**3 * bend[0],
                       u**3 * start[1] + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1]
                       + t**3 * bend[1]))
    points.extend((bend[0] + run_in * k / 8, end[1]) for k in range(9))
    return points


def apply_layout(doc: Document) -> None:
    """Move every node to its layered position: one document change."""
    doc.move_nodes(layered_positions(doc))
