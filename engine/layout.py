"""Layered left-to-right layout (the Sugiyama scheme, small enough to read in one go).

1. Columns: a node's column is its depth (longest path from a source); a source (leaf,
   constant) moves right to sit just before its first consumer, so `b` in `W @ x + b` is
   not stranded two columns away from the `+` it feeds.
2. A source whose wires span several columns gets a lane: a placeholder in every column up
   to its farthest consumer, shared by its wires. The placeholder takes a slot, so no card
   is put where the wires have to pass.
3. Order inside a column: barycenter sweeps (left to right, then right to left, a few
   times), which is what removes most crossings; an input port's rank breaks ties so the
   source of `input` sits above the source of `other`.
4. Rows: each column is stacked and centred; then every wire is sampled as the canvas draws
   it, and a card it would pass under is pushed down (with the rest of its column) until
   none is; a wire across more than LONG_WIRE columns runs behind the cards instead, and so
   does a wire that keeps coming back under a card because that card's own push moved it
   (two columns whose cards would push each other down for ever).

Compared with networkx's multipartite_layout (columns only, order as given: the linear
layer's `b → y` ran under `Wx`) and grandalf (a full Sugiyama, but one more dependency for
graphs of a few dozen nodes), this is ~150 lines with no dependency beyond networkx.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import math
from collections import Counter, defaultdict
from typing import Any

import networkx as nx

from engine.collector import collector_paused
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
# A wire across more columns than this is not kept clear of cards (it runs behind them):
# a leaf that every statement of a long snippet uses would push the cards of each column
# down in turn, a staircase whose cost grows with the square of the snippet.
LONG_WIRE = 8
# A wire that would push a card for the CHASES-th time in a chain of pushes that card's own
# push started runs behind it (see _PushCauses); a card pushed MAX_PUSHES times stays where it
# is: a bound on the work whatever the graph.
CHASES = 3
MAX_PUSHES = 30

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


@collector_paused()  # thousands of placeholders and samples, all alive until it returns
def layered_positions(doc: Document) -> dict[str, tuple[float, float]]:
    """Top-left corner of every card."""
    graph = doc.graph
    if not len(graph):
        return {}
    column = columns_of(graph)
    layers: dict[int, list[str]] = defaultdict(list)
    for node_id in sorted(graph, key=lambda i: (doc.node(i).position[1], i)):
        layers[column[node_id]].append(node_id)
    # placeholders: each source that feeds a later column gets one lane of slots up to its
    # farthest consumer, shared by all its wires (a leaf used by every statement of a long
    # snippet would otherwise need a slot per wire per column: quadratic)
    links: list[tuple[str, str, float]] = []  # (left slot, right slot, port rank of the right)
    lanes: dict[str, int] = {}  # source → the last column its lane reaches
    for source, target in graph.edges():
        lanes[source] = max(lanes.get(source, column[source]), column[target] - 1)
    for source, last in lanes.items():
        left = source
        for c in range(column[source] + 1, last + 1):
            slot = f"{source}>#{c}"
            layers[c].append(slot)
            links.append((left, slot, 0.0))
            left = slot
    for source, target, port in graph.edges(keys=True):
        ports = get_op(doc.node(target).op).inputs
        rank = ports.index(port) / max(1, len(ports)) if port in ports else 0.0
        before = column[target] - 1
        links.append((source if before == column[source] else f"{source}>#{before}", target,
                      rank))
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
                if len(order[c]) < 2:
                    continue  # nothing to order
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

    Passes over the wires, in edge order, until one pass pushes nothing. A wire is tested
    where it is sampled: each point looks up the one card around it (the column from x, the
    card by bisection on the column's tops), so a wire across a thousand columns costs its
    samples, not its span. A wire's samples keep their x when cards move down, so the
    columns it is tested in are known once; a pass re-tests only the wires a push could have
    changed (one of their ends moved, or a card moved in a column they are sampled in): the
    others would find nothing again. A long snippet pushes thousands of times."""
    columns = _Columns(order, heights, positions)
    col = columns.column_of
    wires = [(s, t, p) for s, t, p in doc.graph.edges(keys=True)
             if abs(col[t] - col[s]) <= LONG_WIRE]
    spans = [(min(col[s], col[t]), max(col[s], col[t])) for s, t, _ in wires]
    in_column: dict[int, set[int]] = defaultdict(set)  # column → wires that span it
    at_node: dict[str, list[int]] = defaultdict(list)  # card → wires that end at it
    for w, ((source, target, _), (low, high)) in enumerate(zip(wires, spans, strict=True)):
        for c in range(low, high + 1):
            in_column[c].add(w)
        at_node[source].append(w)
        at_node[target].append(w)
    port_y = [_port_y(doc, target, port) for _, target, port in wires]
    sampled: dict[int, tuple[Any, list[tuple[float, float]]]] = {}
    lookups: dict[int, list[tuple[int, int]]] = {}  # per wire: (point, column) pairs to test
    behind: dict[int, set[str]] = defaultdict(set)  # per wire: cards it runs behind
    pushes = _PushCauses()
    todo = list(range(len(wires)))
    for _ in range(4 * len(positions)):  # each push moves a card down; this ends
        queued, later = set(todo), set()
        while todo:
            w = heapq.heappop(todo)
            queued.discard(w)
            source, target, port = wires[w]
            # the wire's y stays between its ends' (a bezier with flat tangents): no card
            # near that band, nothing to sample
            y0, y1 = positions[source][1] + OUT_Y, positions[target][1] + port_y[w]
            if not columns.any_near(*spans[w], min(y0, y1), max(y0, y1), (source, target)):
                continue
            ends = (positions[source], positions[target])
            if w not in sampled or sampled[w][0] != ends:
                sampled[w] = (ends, wire_points(doc, positions, source, target, port))
                if w not in lookups:
                    lookups[w] = columns.lookups(sampled[w][1], *spans[w])
            hit = columns.first_hit(sampled[w][1], lookups[w], {source, target} | behind[w])
            while hit is not None and pushes.chases(w, columns.cards[hit[0]][hit[1]]):
                behind[w].add(columns.cards[hit[0]][hit[1]])  # runs behind it instead
                hit = columns.first_hit(sampled[w][1], lookups[w],
                                        {source, target} | behind[w])
            if hit is None:
                continue
            moved = columns.push(*hit)
            touched = set(in_column[hit[0]]).union(*(at_node[i] for i in moved))
            pushes.record(w, columns.cards[hit[0]][hit[1]], touched)
            for other in touched:
                if other > w and other not in queued:
                    heapq.heappush(todo, other)
                    queued.add(other)
                elif other <= w:
                    later.add(other)
        if not later:
            return
        todo = sorted(later)


class _PushCauses:
    """Which wire pushed each card last, and which push made each wire be tested again: a
    wire that would push a card whose own push brought the wire there is chasing its tail
    (the cards of two columns pushing each other down for ever), and runs behind it."""

    def __init__(self) -> None:
        self.pusher: dict[str, int] = {}  # card → the wire that pushed it last
        self.retested_for: dict[int, str] = {}  # wire → the card whose push queued it
        self.chased: Counter[tuple[int, str]] = Counter()

    def record(self, wire: int, card: str, touched: set[int]) -> None:
        self.pusher[card] = wire
        for other in touched - {wire}:  # its own push leaves the wire clear of that card
            self.retested_for[other] = card

    def chases(self, wire: int, card: str) -> bool:
        """Whether the chain of pushes that brought `wire` here started with `card`, for the
        CHASES-th time (one more push often clears both)."""
        seen: set[str] = set()
        cause = self.retested_for.get(wire)
        while cause is not None and cause not in seen:
            if cause == card:
                self.chased[wire, card] += 1
                return self.chased[wire, card] >= CHASES
            seen.add(cause)
            cause = self.retested_for.get(self.pusher[cause])
        return False


class _Columns:
    """The cards of each column, top to bottom, with their tops kept sorted for bisection
    (a push moves a card and all below it by the same amount, so the order stays)."""

    def __init__(self, order: dict[int, list[str]], heights: dict[str, float],
                 positions: dict[str, tuple[float, float]]) -> None:
        self.positions, self.heights = positions, heights
        self.cards = {c: [i for i in ids if i in positions] for c, ids in order.items()}
        self.column_of = {i: c for c, ids in self.cards.items() for i in ids}
        self.tops = {c: [positions[i][1] for i in ids] for c, ids in self.cards.items()}
        self.xs = {c: positions[ids[0]][0] for c, ids in self.cards.items() if ids}
        self.pushed: Counter[str] = Counter()  # times each card was pushed

    def any_near(self, low: int, high: int, y0: float, y1: float,
                 ends: tuple[str, str]) -> bool:
        """Whether a card of columns low..high, other than the wire's ends, comes within
        CLEARANCE of the band y0..y1 (widened by a hair for rounding): a wire in that band
        can pass under no other."""
        y0, y1 = y0 - 1e-6, y1 + 1e-6
        for c in range(low, high + 1):
            tops, cards = self.tops.get(c, []), self.cards.get(c, [])
            k = bisect.bisect_right(tops, y1 + CLEARANCE) - 1
            while k >= 0 and tops[k] + self.heights[cards[k]] + CLEARANCE >= y0:
                if cards[k] not in ends:
                    return True
                k -= 1
        return False

    def lookups(self, points: list[tuple[float, float]], low: int,
                high: int) -> list[tuple[int, int]]:
        """(point index, column) of each point within a card's width in columns low..high:
        x only, which pushing cards down never changes."""
        xs = self.xs
        found = []
        for k, (px, _) in enumerate(points):
            c = math.floor((px + PORT_LABEL_WIDTH) / COLUMN_WIDTH)
            if low <= c <= high and c in xs \
                    and xs[c] - PORT_LABEL_WIDTH <= px <= xs[c] + CARD_WIDTH + 8:
                found.append((k, c))
        return found

    def first_hit(self, points: list[tuple[float, float]], lookups: list[tuple[int, int]],
                  skip: set[str]) -> tuple[int, int, float] | None:
        """The first card (first column first, then top to bottom), other than those in
        `skip` (the wire's ends, the cards it runs behind), that a point passes under:
        (column, index, how far to push). Each point finds the cards around it by bisection
        on its column's tops: cards do not overlap, so there are at most two."""
        lowest: dict[tuple[int, int], float] = {}  # card → the lowest point under it
        for point, c in lookups:
            py = points[point][1]
            tops, cards = self.tops[c], self.cards[c]
            k = bisect.bisect_right(tops, py + CLEARANCE) - 1
            while k >= 0 and tops[k] + self.heights[cards[k]] + CLEARANCE >= py:
                if cards[k] not in skip and self.pushed[cards[k]] < MAX_PUSHES \
                        and py > lowest.get((c, k), -math.inf):
                    lowest[c, k] = py
                k -= 1
        if not lowest:
            return None
        c, k = min(lowest)
        return c, k, lowest[c, k] - self.tops[c][k] + CLEARANCE + 1

    def push(self, c: int, k: int, overlap: float) -> list[str]:
        """Move card k of column c and those below it down; the cards moved."""
        self.pushed[self.cards[c][k]] += 1
        tops, moved = self.tops[c], self.cards[c][k:]
        for j, other in enumerate(moved, k):
            tops[j] += overlap
            self.positions[other] = (self.positions[other][0], tops[j])
        return moved


OUT_Y = HEADER / 2 + 10  # the output port, below a card's top


def _port_y(doc: Document, target: str, port: str) -> float:
    """How far below its card's top an input port is."""
    ports = get_op(doc.node(target).op).inputs
    return HEADER + 14 + (ports.index(port) if port in ports else 0) * PORT_GAP


def _wire_ends(doc: Document, positions: dict[str, tuple[float, float]], source: str,
               target: str, port: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where the wire leaves its source's output port and meets the target's input port."""
    sx, sy = positions[source]
    tx, ty = positions[target]
    return (sx + CARD_WIDTH, sy + OUT_Y), (tx, ty + _port_y(doc, target, port))


def wire_points(doc: Document, positions: dict[str, tuple[float, float]], source: str,
                target: str, port: str, samples: int = 40) -> list[tuple[float, float]]:
    """Points along the wire as gui/canvas/items.py draws it: a bezier, then a straight run
    into the port under its name."""
    start, end = _wire_ends(doc, positions, source, target, port)
    run_in = min(PORT_LABEL_WIDTH, max(0.0, end[0] - start[0] - 20))
    bend = (end[0] - run_in, end[1])
    dx = max(40.0, abs(bend[0] - start[0]) * 0.5)
    c1, c2 = (start[0] + dx, start[1]), (bend[0] - dx, bend[1])
    points = [(b0 * start[0] + b1 * c1[0] + b2 * c2[0] + b3 * bend[0],
               b0 * start[1] + b1 * c1[1] + b2 * c2[1] + b3 * bend[1])
              for b0, b1, b2, b3 in _bernstein(samples)]
    points.extend((bend[0] + run_in * k / 8, end[1]) for k in range(9))
    return points


@functools.cache
def _bernstein(samples: int) -> tuple[tuple[float, float, float, float], ...]:
    """The cubic bezier's four weights at each of samples + 1 evenly spaced t."""
    weights = []
    for k in range(samples + 1):
        t = k / samples
        u = 1 - t
        weights.append((u**3, 3 * u * u * t, 3 * u * t * t, t**3))
    return tuple(weights)


def apply_layout(doc: Document) -> None:
    """Move every node to its layered position: one document change."""
    doc.move_nodes(layered_positions(doc))
