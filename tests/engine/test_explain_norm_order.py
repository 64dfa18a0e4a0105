"""The explain panel's rule for a norm follows the node's order p: the words and the formula
for p = 1, 2, 3, inf and -inf, each beside the gradient torch gives, which the test computes
again with plain torch."""

from __future__ import annotations

import math

import pytest
import torch

from engine.document import Document
from engine.explain import explain
from engine.run import run

VALUES = [3.0, -3.0, 1.0, -0.5]


def _explained(p: float) -> tuple[list[str], list[float]]:
    doc = Document()
    x = doc.add_node("leaf", "x", value=VALUES, requires_grad=True)
    n = doc.add_node("norm", "n", params={"p": p}, is_output=True)
    doc.add_edge(x.id, n.id, "input")
    result = run(doc)
    assert result.error is None
    return [line.text for line in explain(doc, result, n.id)], result.leaf_grads[x.id].tolist()


@pytest.mark.parametrize(("p", "words"), [
    (2.0, "its share of the length"), (1.0, "with its sign"),
    (3.0, "its share of the p-norm"), (math.inf, "largest size"),
    (-math.inf, "smallest size")])
def test_the_rule_is_the_one_of_the_nodes_order(p: float, words: str) -> None:
    texts, grads = _explained(p)
    x = torch.tensor(VALUES, requires_grad=True)
    torch.linalg.vector_norm(x, ord=p).backward()
    assert grads == pytest.approx(x.grad.tolist())
    assert any(words in t for t in texts), texts
    assert not any("(p = 2)" in t for t in texts) or p == 2.0


def test_the_largest_elements_share_the_gradient_as_torch_does() -> None:
    texts, grads = _explained(math.inf)
    assert grads == [0.5, -0.5, 0.0, 0.0]  # torch: two elements of size 3 share it
    assert "  = grad_out · sign(x) at the largest |x| (p = inf)" in texts
