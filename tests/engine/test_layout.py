"""The layered layout: columns by depth, few crossings, no wire under a card, one change."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest

from engine.document import DocEvent, Document
from engine.examples import list_examples
from engine.fileformat import load
from engine.layout import (
    CARD_WIDTH,
    COLUMN_WIDTH,
    LONG_WIRE,
    PORT_LABEL_WIDTH,
    apply_layout,
    card_height,
    layered_positions,
    wire_points,
)
from engine.snippets.reader import import_snippet
from tests.bench.snippet_rows import snippet


def _doc(edges: list[tuple[str, str, str]], ops: dict[str, str]) -> Document:
    doc = Document()
    ids = {}
    for name, op in ops.items():
        ids[name] = doc.add_node(op, name, **({"value": [1.0]} if op == "leaf" else {})).id
    for source, target, port in edges:
        doc.add_edge(ids[source], ids[target], port)
    return doc


def _crossings(doc: Document, pos: dict[str, tuple[float, float]]) -> int:
    """Pairs of wires between the same two columns whose ends swap order."""
    wires = [(pos[s], pos[t]) for s, t in doc.graph.edges()]
    count = 0
    for (a0, a1), (b0, b1) in itertools.combinations(wires, 2):
        if a0[0] == b0[0] and a1[0] == b1[0]:
            count += (a0[1] - b0[1]) * (a1[1] - b1[1]) < 0
    return count


def test_linear_layer_puts_b_beside_wx_not_under_a_wire():
    doc = load(next(i.path for i in list_examples() if "linear" in i.path.stem))
    pos = {doc.node(i).name: p for i, p in layered_positions(doc).items()}
    assert pos["W"][0] == pos["x"][0] == 0
    assert pos["Wx"][0] == pos["b"][0] == COLUMN_WIDTH  # b next to the + it feeds
    assert pos["y"][0] == 2 * COLUMN_WIDTH
    assert pos["Wx"][1] < pos["b"][1]  # Wx feeds y.input, b feeds y.other: no crossing


def test_barycenter_sweeps_untangle_what_the_input_order_crosses():
    # a, b feed p, q crosswise; p above q is given by the consumer's ports
    ops = {"a": "leaf", "b": "leaf", "p": "exp", "q": "exp", "s": "add"}
    edges = [("a", "q", "input"), ("b", "p", "input"), ("p", "s", "input"),
             ("q", "s", "other")]
    doc = _doc(edges, ops)
    names = {n.id: n.name for n in doc.nodes()}
    pos = layered_positions(doc)
    # what the old by-insertion-order columns gave: a over b, p over q: two wires cross
    naive = {i: (pos[i][0], k) for k, i in enumerate(names)}
    assert _crossings(doc, naive) == 1
    assert _crossings(doc, pos) == 0
    by_name = {names[i]: p for i, p in pos.items()}
    assert by_name["p"][1] < by_name["q"][1]  # p feeds s.input, the upper port


@pytest.mark.parametrize("info", list_examples(), ids=lambda i: i.path.stem)
def test_examples_no_wire_under_a_card_and_no_overlap(info):
    doc = load(info.path)
    pos = layered_positions(doc)
    for source, target, port in doc.graph.edges(keys=True):
        for node_id, (x, y) in pos.items():
            if node_id in (source, target):
                continue
            h = card_height(doc, node_id)
            for px, py in wire_points(doc, pos, source, target, port):
                assert not (x - PORT_LABEL_WIDTH <= px <= x + CARD_WIDTH and y <= py <= y + h)
    for a, b in itertools.combinations(pos, 2):
        (ax, ay), (bx, by) = pos[a], pos[b]
        if ax == bx:
            assert abs(ay - by) >= min(card_height(doc, a), card_height(doc, b))


def test_columns_follow_depth_on_a_random_dag():
    graph = nx.gnp_random_graph(25, 0.15, seed=3, directed=True)
    doc = Document()
    ids = {}
    for n in range(25):
        ids[n] = doc.add_node("add" if graph.in_degree(n) else "leaf", f"n{n}",
                              **({} if graph.in_degree(n) else {"value": [1.0]})).id
    for n in range(25):
        preds = [p for p in graph.predecessors(n) if p < n][:2]
        for p, port in zip(preds, ("input", "other"), strict=False):
            doc.add_edge(ids[p], ids[n], port)
    pos = layered_positions(doc)
    for source, target in doc.graph.edges():
        assert pos[source][0] < pos[target][0]  # every wire runs left to right


def test_apply_layout_is_one_document_change_and_undoes_as_one():
    doc = load(next(i.path for i in list_examples() if "fan_out" in i.path.stem))
    for node in doc.nodes():
        doc.update_node(node.id, position=(0.0, 0.0))
    before = {n.id: n.position for n in doc.nodes()}
    events: list[DocEvent] = []
    doc.subscribe(events.append)
    apply_layout(doc)
    assert len(events) == 1
    (event,) = events
    assert event.kind == "node_changed" and event.fields == ("position",)
    assert set(event.node_ids) == set(before)
    assert {n.id: n.position for n in doc.nodes()} == layered_positions(doc)
    old = doc.move_nodes(before)
    assert {n.id: n.position for n in doc.nodes()} == before
    assert set(old) == set(before) and len(events) == 2


def test_long_snippet_keeps_every_short_wire_clear_and_no_cards_overlap():
    # every statement uses the leaves x and w: their wires span the whole graph, and only
    # those run behind cards (LONG_WIRE)
    doc = import_snippet(snippet(30))
    pos = layered_positions(doc)
    column = {i: round(x / COLUMN_WIDTH) for i, (x, _) in pos.items()}
    short = [(s, t, p) for s, t, p in doc.graph.edges(keys=True)
             if column[t] - column[s] <= LONG_WIRE]
    long_ = [(s, t) for s, t in doc.graph.edges() if column[t] - column[s] > LONG_WIRE]
    assert short and long_
    for source, target, port in short:
        points = wire_points(doc, pos, source, target, port)
        for node_id, (x, y) in pos.items():
            if node_id in (source, target):
                continue
            h = card_height(doc, node_id)
            assert not any(x - PORT_LABEL_WIDTH <= px <= x + CARD_WIDTH and y <= py <= y + h
                           for px, py in points), (doc.node(node_id).name, source, target)
    for a, b in itertools.combinations(pos, 2):
        if pos[a][0] == pos[b][0]:
            assert abs(pos[a][1] - pos[b][1]) >= min(card_height(doc, a), card_height(doc, b))
