"""Runs reuse what they work out from a document's structure (engine/plan.py) and, at the
GRADS level, read node totals and single-consumer edges back after backward instead of
hooking them (engine/forward.py). Neither may ever show a number from another run or
another structure: every figure here is checked against plain torch computed afresh."""

from __future__ import annotations

import torch

from engine.document import Document, Edge, Node
from engine.run import FULL, GRADS, run
from tests.engine.helpers import leaf, op
from tests.engine.test_trace_slots import alias_reference, assert_same_numbers


def _chain() -> tuple[Document, str, str, str]:
    doc = Document()
    x = leaf(doc, "x", [0.5, -1.0, 2.0])
    s = op(doc, "sin", "s", x)
    t = op(doc, "tanh", "t", s)
    return doc, x, s, t


def test_structural_edits_between_runs_are_never_served_from_the_cached_plan():
    doc, x, s, t = _chain()
    doc.update_node(t, is_output=True, seed=[1.0, 2.0, 3.0])
    first = run(doc, level=GRADS)
    xt = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    torch.tanh(torch.sin(xt)).backward(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
    assert torch.equal(first.leaf_grads[x], xt.grad)

    # the same ids, another op at t: remove it and insert a cos under the same id
    doc.remove_node(t)
    doc.insert_node(Node(t, "cos", "t", is_output=True, seed=[1.0, 2.0, 3.0]),
                    [Edge(s, t, "input")])
    second = run(doc, level=GRADS)
    xc = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    torch.cos(torch.sin(xc)).backward(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
    assert torch.equal(second.leaf_grads[x], xc.grad)
    assert torch.equal(second.values[t], torch.cos(torch.sin(xc)).detach())

    # rewire: t now reads x directly (s is left dangling)
    doc.remove_edge(t, "input")
    doc.add_edge(x, t, "input")
    third = run(doc, level=GRADS)
    xd = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    torch.cos(xd).backward(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
    assert torch.equal(third.leaf_grads[x], xd.grad)
    assert set(third.edge_grads) == {Edge(x, t, "input")}


def test_value_and_seed_edits_give_the_new_numbers():
    doc, x, _, t = _chain()
    doc.update_node(t, is_output=True, seed=[1.0, 1.0, 1.0])
    run(doc, level=GRADS)
    doc.update_node(x, value=[3.0, 0.25, -0.5])
    doc.update_node(t, seed=[-1.0, 0.5, 4.0])
    for level in (GRADS, FULL):
        result = run(doc, level=level)
        xt = torch.tensor([3.0, 0.25, -0.5], dtype=torch.float64, requires_grad=True)
        s = torch.sin(xt)
        s.retain_grad()
        y = torch.tanh(s)
        y.backward(torch.tensor([-1.0, 0.5, 4.0], dtype=torch.float64))
        assert torch.equal(result.values[t], y.detach())
        assert torch.equal(result.leaf_grads[x], xt.grad)
        assert torch.equal(result.node_grads[doc.node_by_name("s").id], s.grad)


def test_an_output_that_also_feeds_another_keeps_its_edges_apart_from_its_total():
    # h is an output (seeded) and the input of y: h's total is its seed plus what y sends
    # back, so the edge h -> y must not be read from h's total
    doc = Document()
    x = leaf(doc, "x", [0.5, 1.5])
    h = op(doc, "sin", "h", x, is_output=True, seed=[1.0, -2.0])
    y = op(doc, "exp", "y", h, is_output=True, seed=[0.5, 3.0])
    full, grads = run(doc, level=FULL), run(doc, level=GRADS)
    assert_same_numbers(full, grads)
    reference = alias_reference(doc, [h, y], [full.seeds[h], full.seeds[y]])
    for edge, grad in reference.items():
        assert torch.equal(grads.edge_grads[edge], grad), edge
    assert not torch.equal(grads.node_grads[h], grads.edge_grads[Edge(h, y, "input")])


def test_fan_out_edges_each_keep_their_own_gradient_at_the_grads_level():
    doc = Document()
    x = leaf(doc, "x", [0.5, 1.5])
    a = op(doc, "sin", "a", x)
    b = op(doc, "tanh", "b", a)
    c = op(doc, "add", "c", b, a, is_output=True, seed=[1.0, 2.0])
    full, grads = run(doc, level=FULL), run(doc, level=GRADS)
    assert_same_numbers(full, grads)
    reference = alias_reference(doc, [c], [full.seeds[c]])
    assert set(grads.edge_grads) == set(reference)
    for edge, grad in reference.items():
        assert torch.equal(grads.edge_grads[edge], grad), edge


def test_an_op_that_hands_its_input_back_keeps_its_consumers_edge_at_the_grads_level():
    # x.to(float64) of a float64 tensor is the tensor itself: the op has no autograd node
    # and no total of its own, so the edge after it cannot be read from that total
    doc = Document()
    x = leaf(doc, "x", [0.5, 1.5])
    h = op(doc, "mul", "h", x, x)
    t = op(doc, "to", "t", h, params={"dtype": "float64"})
    y = op(doc, "sin", "y", t, is_output=True, seed=[1.0, -2.0])
    full, grads = run(doc, level=FULL), run(doc, level=GRADS)
    assert_same_numbers(full, grads)
    reference = alias_reference(doc, [y], [full.seeds[y]])
    assert Edge(t, y, "input") in reference
    for edge, grad in reference.items():
        assert torch.equal(grads.edge_grads[edge], grad), edge
