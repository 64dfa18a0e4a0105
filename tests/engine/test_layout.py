"""The layered layout: columns by depth, few crossings, no wire under a card, one change."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest

from engine import layout
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


def _pushes_counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    pushed: list[str] = []
    push = layout._Columns.push

    def counted(self: layout._Columns, c: int, k: int, overlap: float) -> list[str]:
        pushed.append(self.cards[c][k])
        return push(self, c, k, overlap)

    monkeypatch.setattr(layout._Columns, "push", counted)
    return pushed


# Two wires that push each other's cards: `a` (column 1) sits in the path of the constant's
# wire into `c` (column 2), and the wire from `b`, stacked under `a`, into `d` passes `c`.
# Each push drags the other wire back under the other card.
CHASING = """import torch
t_c = torch.tensor([0.5, 14.0, 15.0, 28.0, 11.0, 8.0])
t_u = torch.tensor([35.7, 55.9, 58.2, 81.9, 56.3, 48.9])
t_un = 0.1 * t_u
def model(t_u, w, b):
    return w * t_u + b
params = torch.tensor([1.0, 0.0], requires_grad=True)
loss = ((model(t_u, *params) - t_c) ** 2).mean()
loss.backward()
"""


def test_cards_that_push_each_other_stop_within_a_few_rounds(monkeypatch: pytest.MonkeyPatch):
    pushed = _pushes_counted(monkeypatch)
    doc = import_snippet(CHASING, layout=False)
    pos = layered_positions(doc)
    ys = [y for _, y in pos.values()]
    # before the chase rule the two columns pushed each other down 60 times, 5,500 px tall
    assert max(ys) - min(ys) < 1200 and len(pushed) < 20
    for a, b in itertools.combinations(pos, 2):
        if pos[a][0] == pos[b][0]:
            assert abs(pos[a][1] - pos[b][1]) >= min(card_height(doc, a), card_height(doc, b))


# gradient descent by hand on plain numbers: every step a fresh row of short chains
PLAIN_STEPS = """import torch
t_c = torch.tensor([0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0])
t_u = torch.tensor([35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4])
def grad_fn(t_u, t_c, t_p):
    d = 2 * (t_p - t_c) / t_p.size(0)
    return torch.stack([(d * t_u).sum(), (d * 1.0).sum()])
params = torch.tensor([1.0, 0.0])
for epoch in range(10):
    w, b = params
    t_p = w * t_u + b
    loss = ((t_p - t_c) ** 2).mean()
    params = params - 1e-4 * grad_fn(t_u, t_c, t_p)
    print(epoch, float(loss))
"""


def test_hundreds_of_cards_are_laid_out_with_a_bounded_number_of_pushes(
        monkeypatch: pytest.MonkeyPatch):
    pushed = _pushes_counted(monkeypatch)
    doc = import_snippet(PLAIN_STEPS, layout=False)
    assert len(doc.graph) > 200
    layered_positions(doc)
    # 140,000 pushes (five minutes) on a graph like this before; each card at most MAX_PUSHES
    assert len(pushed) < 10 * len(doc.graph)
    assert max(pushed.count(i) for i in set(pushed)) <= layout.MAX_PUSHES
