"""The lens and the reference grads against independent torch computations (float64)."""

from __future__ import annotations

import random

import pytest
import torch

from engine.document import Document
from engine.examples import example_path
from engine.fileformat import load
from engine.jacobian import lens, reference_grads
from engine.run import run


def _example3(seed=None, enabled=True) -> Document:
    doc = load(example_path())
    loss = doc.node_by_name("loss")
    assert loss is not None
    if seed is not None or not enabled:
        doc.update_node(loss.id, seed=seed, seed_enabled=enabled)
    return doc


def test_example_3_jacobian_is_diag_4_6_and_vjp_is_the_grad():
    doc = _example3()
    r = run(doc)
    result = lens(doc, r)
    x = torch.tensor([2.0, 3.0], dtype=torch.float64)
    expected_j = torch.func.jacrev(lambda t: t * t)(x)
    torch.testing.assert_close(result.jacobian.double(), expected_j)
    assert result.jacobian.tolist() == [[4.0, 0.0], [0.0, 6.0]]
    assert result.v.tolist() == [1.0, 0.5]
    assert result.vjp.tolist() == pytest.approx([4.0, 3.0])
    assert result.contributions.tolist() == [[4.0, 0.0], [0.0, 3.0]]
    assert result.matches is True
    assert result.row_labels == ["loss[0]", "loss[1]"]
    assert result.col_labels == ["x[0]", "x[1]"]


def test_reference_grads_are_those_of_the_ones_seed():
    doc = _example3([0.0, 1.0])
    ref = reference_grads(doc)
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    assert ref[doc.node_by_name("x").id].tolist() == x.grad.tolist()
    assert doc.node_by_name("loss").seed == [0.0, 1.0]  # the document is untouched


def test_bare_backward_on_a_vector_has_no_v():
    doc = _example3(enabled=False)
    r = run(doc)
    result = lens(doc, r)
    assert result.jacobian is not None
    assert result.v is None and result.vjp is None
    assert "non-scalar" in result.note


def test_size_cap_says_so_instead_of_computing():
    doc = Document()
    x = doc.add_node("leaf", "x", value=[[1.0] * 100] * 100)
    y = doc.add_node("exp", "y", is_output=True)
    doc.add_edge(x.id, y.id, "input")
    result = lens(doc, run(doc))
    assert result.jacobian is None
    assert "10000×10000" in result.note


UNARY = {"exp": torch.exp, "sin": torch.sin, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
         "square": torch.square, "neg": torch.neg}
BINARY = {"add": torch.add, "mul": torch.mul, "sub": torch.sub}


def _random_graph(rng: random.Random):
    """A document and, built in parallel, an independent float64 torch program for it."""
    doc = Document()
    n = rng.randint(1, 4)
    leaves = []
    for i in range(rng.randint(1, 3)):
        value = [round(rng.uniform(-1.5, 1.5), 3) for _ in range(n)]
        leaves.append((doc.add_node("leaf", f"x{i}", value=value), value))
    nodes = [node for node, _ in leaves]
    programs = [None] * len(nodes)  # filled per node below

    steps = []
    for _ in range(rng.randint(1, 5)):
        if rng.random() < 0.5:
            op = rng.choice(sorted(UNARY))
            a = rng.randrange(len(nodes))
            node = doc.add_node(op)
            doc.add_edge(nodes[a].id, node.id, "input")
            steps.append((op, a, None))
        else:
            op = rng.choice(sorted(BINARY))
            a, b = rng.randrange(len(nodes)), rng.randrange(len(nodes))
            node = doc.add_node(op)
            doc.add_edge(nodes[a].id, node.id, "input")
            doc.add_edge(nodes[b].id, node.id, "other")
            steps.append((op, a, b))
        nodes.append(node)
    doc.update_node(nodes[-1].id, is_output=True)
    seed = [round(rng.uniform(-2, 2), 3) for _ in range(n)]
    doc.update_node(nodes[-1].id, seed=seed)
    del programs

    def program(*xs):
        values = list(xs)
        for op, a, b in steps:
            values.append(UNARY[op](values[a]) if b is None else BINARY[op](values[a], values[b]))
        return values[-1]

    inputs = tuple(torch.tensor(v, dtype=torch.float64) for _, v in leaves)
    return doc, program, inputs, torch.tensor(seed, dtype=torch.float64), leaves


@pytest.mark.parametrize("case", range(25))
def test_vjp_equals_leaf_grads_on_random_graphs(case):
    doc, program, inputs, v, leaves = _random_graph(random.Random(case))
    r = run(doc)
    result = lens(doc, r)
    assert r.error is None
    _, vjp_fn = torch.func.vjp(program, *inputs)
    expected = torch.cat([g.reshape(-1) for g in vjp_fn(v)])
    jac = torch.func.jacrev(program, argnums=tuple(range(len(inputs))))(*inputs)
    torch.testing.assert_close(result.jacobian.double(), torch.cat(jac, dim=1),
                               rtol=1e-4, atol=1e-5)
    assert result.vjp.tolist() == pytest.approx(expected.tolist(), rel=1e-4, abs=1e-5)
    assert result.matches is True
    got = []
    for node, _ in leaves:
        g = r.leaf_grads[node.id]
        got += [0.0] * len(inputs[0]) if g is None else g.tolist()
    assert got == pytest.approx(expected.tolist(), rel=1e-4, abs=1e-5)


def test_row_by_row_fallback_when_batched_grad_is_refused(monkeypatch):
    real_grad = torch.autograd.grad

    def no_batching(*args, **kwargs):
        if kwargs.get("is_grads_batched"):
            raise RuntimeError("vmap: not supported for this op")
        return real_grad(*args, **kwargs)

    monkeypatch.setattr(torch.autograd, "grad", no_batching)
    doc = _example3([0.0, 1.0])
    result = lens(doc, run(doc))
    assert result.jacobian.tolist() == [[4.0, 0.0], [0.0, 6.0]]
    assert result.vjp.tolist() == [0.0, 6.0]
    assert result.matches is True
