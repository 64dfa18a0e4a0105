"""Op output sizes are known before the op runs, and a run refuses past the element limits."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import sizes
from engine.document import Document
from engine.limits import ELEMENTS_PER_TENSOR, ELEMENTS_TOTAL, Limit
from engine.ops import get_op
from engine.run import run
from tests.engine.helpers import const, leaf, op

shapes = st.lists(st.integers(1, 4), max_size=4).map(tuple)


@pytest.mark.filterwarnings("ignore:Using a target size")
@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["add", "sub", "mul", "div", "pow", "matmul", "mse_loss"]),
       shapes, shapes, st.sampled_from(["mean", "none"]))
def test_predicted_shape_is_the_shape_torch_makes(op_name, a, b, reduction):
    """Whatever torch does on real tensors, the prediction (from shapes only) agrees:
    the same shape when torch succeeds; nothing predicted, or torch raising, otherwise."""
    params = {"reduction": reduction} if op_name == "mse_loss" else {}
    predicted = sizes.output_shape(op_name, [a, b], params)
    try:
        real = get_op(op_name).call(torch.ones(a), torch.ones(b), **params)
    except RuntimeError:
        return  # torch will say why, at run time; the estimate does not have to
    if op_name == "mse_loss" and reduction == "mean":
        # the estimate is the broadcast operands' size, which mse_loss makes inside
        assert predicted == tuple(torch.broadcast_shapes(a, b))
    else:
        assert predicted == tuple(real.shape)


def test_python_numbers_count_as_scalars():
    assert sizes.output_shape("mul", [torch.ones(3, 2), 2.5], {}) == (3, 2)


def _outer_product(n: int) -> tuple[Document, str]:
    doc = Document()
    a = leaf(doc, "a", [[1.0]] * n)
    b = const(doc, "b", [[1.0] * n])
    s = op(doc, "matmul", "s", a, b)
    total = op(doc, "sum", "total", s)
    doc.update_node(total, is_output=True)
    return doc, s


def test_matmul_past_the_tensor_limit_is_refused_before_torch_allocates():
    doc, s = _outer_product(5000)  # 5000×1 @ 1×5000: 25 million elements
    result = run(doc)
    assert result.error is not None
    assert (result.error.type, result.error.node_id) == ("LimitExceeded", s)
    assert result.error.message == (
        "s (matmul) would make a 5000×5000 tensor (25,000,000 elements): "
        f"over the limit of {ELEMENTS_PER_TENSOR.value:,} elements in one tensor")
    assert s not in result.values


def test_under_the_limit_the_same_graph_runs_and_matches_torch():
    doc, s = _outer_product(300)
    result = run(doc)
    assert result.error is None
    a = torch.ones(300, 1, dtype=torch.float64, requires_grad=True)
    expected = a @ torch.ones(1, 300, dtype=torch.float64)
    expected.sum().backward()
    assert torch.equal(result.values[s], expected.detach())
    assert torch.equal(result.grads_by_name()["a"], a.grad)


def test_the_total_over_all_tensors_is_limited(monkeypatch):
    monkeypatch.setattr(sizes, "ELEMENTS_TOTAL", Limit(ELEMENTS_TOTAL.name, 50))
    doc = Document()
    x = leaf(doc, "x", [1.0] * 10)
    node = x
    names = []
    for i in range(6):  # 10 (x) + 10 per op: the fifth op brings it to 60
        node = op(doc, "exp", f"e{i}", node)
        names.append(node)
    doc.update_node(node, is_output=True)
    result = run(doc)
    assert result.error is not None
    assert result.error.type == "LimitExceeded"
    assert result.error.node_id == names[4]
    assert result.error.message == (
        "e4 (exp) would bring the graph to 60 elements: "
        "over the limit of 50 elements in all tensors of a graph")
    assert [n in result.values for n in names] == [True] * 4 + [False] * 2


@pytest.mark.parametrize("op_name", ["add", "mul", "pow"])
def test_every_broadcasting_op_is_checked(op_name):
    doc = Document()
    a = const(doc, "a", [[2.0]] * 4000)
    b = const(doc, "b", [[1.0] * 4000])
    s = op(doc, op_name, "s", a, b)
    doc.update_node(s, is_output=True)
    result = run(doc)
    assert result.error is not None and result.error.type == "LimitExceeded"
    assert "a 4000×4000 tensor (16,000,000 elements)" in result.error.message
