"""The runner: the seed article's examples, options, errors, and the recorded trace."""

from __future__ import annotations

import math

import pytest
import torch

from engine.document import Document
from engine.examples import example_path
from engine.fileformat import load
from engine.run import run
from engine.trace import ACCUMULATE, EDGE_GRAD, GRAD_FN, NODE_GRAD
from tests.engine.helpers import const, leaf, op


def _torch_grad(fn, x_value, seed=None):
    x = torch.tensor(x_value, requires_grad=True)
    out = fn(x)
    out.backward(seed)
    return x.grad


def test_example_1_scalar_loss():
    result = run(load(example_path("seed_1_scalar_loss")))
    assert result.error is None
    expected = _torch_grad(lambda x: (x * x) * 3, 2.0)
    assert result.grads_by_name()["x"].item() == expected.item() == 12.0


def test_example_2_bare_backward_on_a_vector_fails_like_torch():
    result = run(load(example_path("seed_2_tensor_loss_no_gradient")))
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError) as torch_error:
        (x * x).backward()
    assert result.error is not None
    assert result.error.type == "RuntimeError"
    assert result.error.message == str(torch_error.value)
    assert result.error.message == "grad can be implicitly created only for scalar outputs"
    assert result.names[result.error.node_id] == "loss"
    assert result.grads_by_name() == {"x": None}


def test_example_3_gradient_weights_each_element():
    result = run(load(example_path("seed_3_tensor_loss_with_gradient")))
    expected = _torch_grad(lambda x: x * x, [2.0, 3.0], torch.tensor([1.0, 0.5]))
    torch.testing.assert_close(result.grads_by_name()["x"], expected)
    assert result.grads_by_name()["x"].tolist() == [4.0, 3.0]


def test_two_runs_with_reset_give_identical_grads_and_accumulate_adds():
    doc = load(example_path("seed_3_tensor_loss_with_gradient"))
    first = run(doc)
    second = run(doc, previous=first)
    torch.testing.assert_close(first.leaf_grads, second.leaf_grads)
    doc.set_options(accumulate=True)
    third = run(doc, previous=second)
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    for _ in range(2):
        (x * x).backward(torch.tensor([1.0, 0.5]))
    torch.testing.assert_close(third.grads_by_name()["x"], x.grad)


def _fan_out() -> tuple[Document, dict[str, str]]:
    # h = a * 3; y = (h * h).sum()  — FACTS.md's hook-order example
    doc = Document()
    ids = {"a": leaf(doc, "a", [1.0, 2.0], dtype="float32")}
    ids["three"] = const(doc, "three", 3.0, dtype="float32")
    ids["h"] = op(doc, "mul", "h", ids["a"], ids["three"])
    ids["hh"] = op(doc, "mul", "hh", ids["h"], ids["h"])
    ids["y"] = op(doc, "sum", "y", ids["hh"], is_output=True)
    return doc, ids


def test_trace_order_is_real_autograds_and_fan_out_sums():
    doc, ids = _fan_out()
    result = run(doc)
    # independent torch run with the same hooks in the same places; what an edge carries
    # is its slot of the consumer's grad_inputs, handed on when the consumer's node has run
    seen: list[tuple[str, str]] = []

    def after(node: str, *edges: str | None):  # noqa: ANN202
        def hook(grad_inputs: tuple, grad_outputs: tuple) -> None:
            seen.append((GRAD_FN, node))
            seen.extend((EDGE_GRAD, e) for e, g in zip(edges, grad_inputs, strict=True)
                        if e is not None and g is not None)
        return hook

    a = torch.tensor([1.0, 2.0], requires_grad=True)
    a.register_post_accumulate_grad_hook(lambda t: seen.append((ACCUMULATE, "a")))
    a.register_hook(lambda g: seen.append((NODE_GRAD, "a")))
    h = a * torch.tensor(3.0)
    h.register_hook(lambda g: seen.append((NODE_GRAD, "h")))
    hh = h * h
    hh.register_hook(lambda g: seen.append((NODE_GRAD, "hh")))
    hh.grad_fn.register_hook(after("hh", "h", "h"))
    h.grad_fn.register_hook(after("h", "a", None))
    y = hh.sum()
    y.register_hook(lambda g: seen.append((NODE_GRAD, "y")))
    y.grad_fn.register_hook(after("y", "hh"))
    y.backward()
    names = {v: k for k, v in ids.items()}
    recorded = [(e.kind, names[e.node_id]) for e in result.events]
    assert recorded == seen
    # the two edges h -> hh each carry 2·h·grad, and h's total is their sum
    edges_from_h = [g for e, g in result.edge_grads.items() if e.source == ids["h"]]
    assert len(edges_from_h) == 2
    torch.testing.assert_close(edges_from_h[0] + edges_from_h[1], result.node_grads[ids["h"]])
    torch.testing.assert_close(result.leaf_grads[ids["a"]], a.grad)
    names_of_fns = [n.name for n in result.autograd]
    assert names_of_fns.count("MulBackward0") == 2 and "SumBackward0" in names_of_fns
    assert "AccumulateGrad" in names_of_fns and "ViewBackward0" not in names_of_fns


def test_wrong_shape_seed_gives_torchs_mismatch_text():
    doc = load(example_path("seed_3_tensor_loss_with_gradient"))
    loss = doc.node_by_name("loss")
    doc.update_node(loss.id, seed=[1.0, 0.5, 2.0])
    result = run(doc)
    assert result.error is not None
    assert result.error.message.startswith(
        "Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and output[0] has a "
        "shape of torch.Size([2]).")
    assert result.grads_by_name() == {"x": None}


def test_scalar_seed_of_shape_1_is_refused_like_torch():
    doc = load(example_path("seed_1_scalar_loss"))
    doc.update_node(doc.node_by_name("loss").id, seed=[1.0])
    result = run(doc)
    assert result.error is not None and "Mismatch in shape" in result.error.message


def test_integer_seed_is_cast_and_said():
    doc = load(example_path("seed_3_tensor_loss_with_gradient"))
    doc.update_node(doc.node_by_name("loss").id, seed=[1, 1])
    result = run(doc)
    assert result.grads_by_name()["x"].tolist() == [4.0, 6.0]
    assert any("integers" in w and "float32" in w for w in result.warnings)


def test_nan_seed_propagates():
    doc = load(example_path("seed_3_tensor_loss_with_gradient"))
    doc.update_node(doc.node_by_name("loss").id, seed=[1.0, 0.5])
    result = run(doc)
    assert all(math.isfinite(v) for v in result.grads_by_name()["x"].tolist())


def test_forward_error_names_node_and_both_shapes():
    doc = Document()
    a = leaf(doc, "A", [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    b = leaf(doc, "B", [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    m = op(doc, "matmul", "M", a, b, is_output=True)
    result = run(doc)
    with pytest.raises(RuntimeError) as torch_error:
        torch.ones(2, 3) @ torch.ones(2, 3)
    assert result.error is not None and result.error.phase == "forward"
    assert result.error.node_id == m
    assert result.error.message == str(torch_error.value)
    assert "2x3" in result.error.message
    assert result.error_text().startswith("RuntimeError at M:")


def test_unconnected_input_is_an_error_on_that_node():
    doc = Document()
    a = leaf(doc, "a", [1.0])
    m = doc.add_node("mul", "m", is_output=True).id
    doc.add_edge(a, m, "input")
    result = run(doc)
    assert result.error is not None and result.error.node_id == m
    # a graph still being built: a hint for the card, not an alarm, and no internal name
    assert result.error.incomplete and result.error.message == "connect input 'other'"
    assert "_" not in result.error.describe(result.names)


def test_output_without_graph_gives_torchs_text():
    doc = Document()
    c = const(doc, "c", [1.0, 2.0])
    op(doc, "exp", "e", c, is_output=True)
    result = run(doc)
    assert result.error is not None
    assert result.error.message == ("element 0 of tensors does not require grad and does "
                                    "not have a grad_fn")


def test_inputs_subset_leaves_others_none_and_empty_inputs_is_torchs_error():
    doc = Document()
    a = leaf(doc, "a", [1.0, 2.0])
    b = leaf(doc, "b", [3.0, 4.0])
    op(doc, "mul", "y", a, b, is_output=True, seed=[1.0, 1.0])
    doc.set_options(inputs=[a])
    result = run(doc)
    assert result.leaf_grads[a].tolist() == [3.0, 4.0]
    assert result.leaf_grads[b] is None
    doc.set_options(inputs=[])
    result = run(doc)
    assert result.error is not None
    assert result.error.message == "`inputs` argument to `backward()` cannot be empty."


def test_multiple_outputs_sum_their_vjps():
    doc = Document()
    x = leaf(doc, "x", [1.0, 2.0])
    op(doc, "square", "s", x, is_output=True, seed=[1.0, 0.0])
    op(doc, "sin", "t", x, is_output=True, seed=[0.5, 2.0])
    result = run(doc)
    xt = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    torch.autograd.backward([xt.square(), xt.sin()],
                            [torch.tensor([1.0, 0.0], dtype=torch.float64),
                             torch.tensor([0.5, 2.0], dtype=torch.float64)])
    torch.testing.assert_close(result.leaf_grads[x], xt.grad)


def test_detach_cuts_the_flow_and_unreached_leaf_is_none():
    doc = Document()
    x = leaf(doc, "x", [1.0, 2.0])
    w = leaf(doc, "w", [3.0, 4.0])
    d = op(doc, "detach", "d", x)
    op(doc, "mul", "y", d, w, is_output=True)
    result = run(doc)
    assert result.leaf_grads[x] is None
    assert result.leaf_grads[w].tolist() == [1.0, 2.0]
    assert d not in result.grad_nodes


def test_sqrt_at_zero_gives_inf_without_error():
    doc = Document()
    x = leaf(doc, "x", [0.0, 4.0])
    op(doc, "sqrt", "r", x, is_output=True)
    result = run(doc)
    assert result.error is None
    assert result.leaf_grads[x].tolist() == [math.inf, 0.25]


def test_each_edge_of_a_three_way_fan_out_keeps_its_own_gradient():
    doc = Document()
    x = leaf(doc, "x", [1.0, 2.0])
    h = op(doc, "exp", "h", x)
    a, b, c = op(doc, "sin", "a", h), op(doc, "cos", "b", h), op(doc, "square", "c", h)
    op(doc, "add", "t", op(doc, "add", "s", a, b), c, is_output=True, seed=[1.0, -2.0])
    result = run(doc)
    hv = torch.exp(torch.tensor([1.0, 2.0], dtype=torch.float64)).requires_grad_()
    v = torch.tensor([1.0, -2.0], dtype=torch.float64)
    for consumer, fn in ((a, torch.sin), (b, torch.cos), (c, torch.square)):
        (expected,) = torch.autograd.grad(fn(hv), hv, v)
        edge = next(e for e in result.edge_grads if e.source == h and e.target == consumer)
        torch.testing.assert_close(result.edge_grads[edge], expected)
    torch.testing.assert_close(sum(g for e, g in result.edge_grads.items() if e.source == h),
                               result.node_grads[h])
