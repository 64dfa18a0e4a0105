from __future__ import annotations

import torch

from engine.document import Document
from engine.examples import example_path
from engine.explain import RULES, explain
from engine.fileformat import load
from engine.ops import OPS, SOURCE_OPS
from engine.run import run


def _texts(doc, r, name):
    return [line.text for line in explain(doc, r, doc.node_by_name(name).id)]


def test_mul_rule_with_the_runs_numbers():
    doc = load(example_path())
    texts = _texts(doc, run(doc), "loss")
    assert texts[0] == "loss = mul(x, x)"
    assert "  = grad_out · x" in texts
    assert "  = [1, 0.5] · [2, 3]" in texts
    assert texts.count("  = [2, 1.5]") == 2  # one per edge: x feeds both ports


def test_leaf_with_two_consumers_sums_what_each_edge_sent():
    doc = load(example_path())
    r = run(doc)
    texts = _texts(doc, r, "x")
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    (x * x).backward(torch.tensor([1.0, 0.5]))
    assert x.grad.tolist() == [4.0, 3.0]
    assert ".grad = [2, 1.5] + [2, 1.5] = [4, 3]" in texts


def test_every_differentiable_op_has_a_rule_for_each_port():
    for name, spec in OPS.items():
        if name in SOURCE_OPS:
            continue
        assert set(spec.inputs) == set(RULES[name]), name


def test_constant_and_not_run():
    doc = Document()
    c = doc.add_node("constant", "c", value=[1.0])
    assert [line.text for line in explain(doc, None, c.id)][-1] == "not run yet"
    assert "never receives a gradient" in explain(doc, run(doc), c.id)[-1].text
