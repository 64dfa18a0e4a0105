"""Every call kind, and random programs on random graphs, against plain torch making the same
calls: .grad of every leaf after every call, torch's error text, autograd.grad's answers."""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import calls
from engine.document import Document
from engine.run import run
from engine.trace import ZERO_GRAD, Run
from tests.engine.helpers import leaf, op
from tests.engine.plain_calls import PlainCall, run_program
from tests.engine.test_random_dags import dags


def assert_same(result: Run, plain: list[PlainCall]) -> None:
    assert len(result.calls) == len(plain)
    for got, want in zip(result.calls, plain, strict=True):
        where = f"call {got.index + 1} ({got.label})"
        assert got.ran == want.ran, where
        error = None if got.error is None else (got.error.type, got.error.message)
        assert error == want.error, where
        if not got.ran:
            continue
        assert got.grads_after.keys() == want.grads.keys(), where
        for leaf_id, grad in want.grads.items():
            mine = got.grads_after[leaf_id]
            assert (mine is None) == (grad is None), (where, leaf_id)
            if grad is not None:
                torch.testing.assert_close(mine, grad, rtol=1e-12, atol=1e-12)
        assert got.results.keys() == want.results.keys(), where
        for input_id, answer in want.results.items():
            torch.testing.assert_close(got.results[input_id], answer)


def square_sum() -> tuple[Document, str, str, str]:
    """loss = (x * w).square().sum(); square saves its input, so a freed graph is noticed."""
    doc = Document()
    x = leaf(doc, "x", [1.0, -2.0, 0.5])
    w = leaf(doc, "w", [0.3, 0.7, -1.1])
    m = op(doc, "mul", "m", x, w)
    loss = op(doc, "sum", "loss", op(doc, "square", "sq", m))
    doc.update_node(loss, is_output=True)
    return doc, x, w, loss


def check(doc: Document) -> Run:
    result = run(doc)
    assert_same(result, run_program(doc))
    return result


def test_two_backward_calls_accumulate_like_torch():
    doc, x, w, loss = square_sum()
    doc.set_options(retain_graph=True)
    doc.add_call(calls.backward([loss]))
    result = check(doc)
    first, second = result.calls
    torch.testing.assert_close(second.grads_after[x], 2 * first.grads_after[x])
    assert result.error is None
    assert result.leaf_grads[x].equal(second.grads_after[x])


def test_second_backward_on_a_freed_graph_raises_torchs_error_at_call_two():
    doc, x, w, loss = square_sum()
    doc.add_call(calls.backward([loss]))
    doc.add_call(calls.zero_grad())
    result = check(doc)
    assert result.calls[1].error.message.startswith("Trying to backward through the graph a "
                                                    "second time")
    assert result.error == result.calls[1].error and result.error.call == 1
    assert result.calls[0].error is None and result.calls[0].grads_after[x] is not None
    assert not result.calls[2].ran  # a script stops at the first error


@pytest.mark.parametrize("set_to_none", [False, True])
def test_zero_grad_resets_or_drops_like_torch(set_to_none: bool):
    doc, x, w, loss = square_sum()
    doc.add_call(calls.zero_grad([x], set_to_none=set_to_none))
    result = check(doc)
    after = result.calls[1].grads_after
    assert (after[x] is None) == set_to_none
    if not set_to_none:
        assert after[x].equal(torch.zeros(3, dtype=torch.float64))
    assert after[w] is not None  # only the named leaf
    zeroed = [e for e in result.events if e.kind == ZERO_GRAD]
    assert [e.node_id for e in zeroed] == [x]


def test_zero_on_a_grad_that_is_none_raises_pythons_attribute_error():
    doc, x, w, loss = square_sum()
    doc.add_call(calls.zero_grad(), 0)  # before any backward: .grad is None
    result = check(doc)
    assert result.calls[0].error.type == "AttributeError"
    assert "'NoneType' object has no attribute 'zero_'" in result.calls[0].error.message
    assert result.calls[0].error.node_id == x
    assert not result.calls[1].ran


def test_autograd_grad_returns_grads_and_leaves_dot_grad_alone():
    doc, x, w, loss = square_sum()
    m = doc.node_by_name("m").id
    doc.add_call(calls.grad([m], [x, w], [[1.0, 0.5, -2.0]], retain_graph=True), 0)
    result = check(doc)
    grad_call = result.calls[0]
    assert grad_call.grads_after == {x: None, w: None}
    # d(x*w)/dx with grad_outputs v is v * w
    torch.testing.assert_close(grad_call.results[x], torch.tensor([0.3, 0.35, 2.2],
                                                                  dtype=torch.float64))
    assert result.calls[1].grads_after[x] is not None


def test_autograd_grad_frees_the_graph_without_retain_graph():
    doc, x, w, loss = square_sum()
    doc.add_call(calls.grad([loss], [x]), 0)
    result = check(doc)
    assert "second time" in result.calls[1].error.message


def test_backward_with_inputs_fills_only_those_leaves():
    doc, x, w, loss = square_sum()
    doc.set_options(retain_graph=True)
    doc.add_call(calls.backward([loss], [2.0], inputs=[w]))
    result = check(doc)
    torch.testing.assert_close(result.calls[1].grads_after[x], result.calls[0].grads_after[x])
    torch.testing.assert_close(result.calls[1].grads_after[w], 3 * result.calls[0].grads_after[w])


def test_a_one_call_document_has_one_call_result_with_the_runs_numbers():
    doc, x, w, loss = square_sum()
    result = check(doc)
    (only,) = result.calls
    assert only.primary and only.ran and only.events == range(len(result.events))
    assert only.grads_after.keys() == result.leaf_grads.keys() == {x, w}
    for leaf_id, grad in result.leaf_grads.items():
        assert only.grads_after[leaf_id].equal(grad)
    assert only.seeds == result.seeds == {loss: None}  # a bare backward() on a scalar


@st.composite
def programs(draw: st.DrawFn) -> Document:
    doc, outputs = draw(dags())
    leaves = [n.id for n in doc.leaves()]

    def some(ids: list[str]) -> list[str]:
        return draw(st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids), unique=True))

    def scaled(value, factor: float):
        return [scaled(v, factor) for v in value] if isinstance(value, list) else value * factor

    def seeds(ids: list[str]) -> list:
        # None: no gradient (torch's error for a non-scalar output, 1 for a scalar one)
        factors = [draw(st.sampled_from([None, 1.0, -0.5])) for _ in ids]
        return [None if f is None else scaled(doc.node(i).seed, f)
                for i, f in zip(ids, factors, strict=True)]

    def any_call(backward_too: bool) -> calls.Call:
        kind = draw(st.sampled_from(["zero_grad", "grad", "backward"][:3 if backward_too else 2]))
        if kind == "zero_grad":
            which = None if draw(st.booleans()) else some(leaves)
            return calls.zero_grad(which, set_to_none=draw(st.booleans()))
        outs = some(outputs)
        if kind == "grad":
            return calls.grad(outs, some(leaves), seeds(outs), retain_graph=draw(st.booleans()))
        inputs = None if draw(st.booleans()) else some(leaves)
        return calls.backward(outs, seeds(outs), retain_graph=draw(st.booleans()),
                              inputs=inputs)

    doc.set_options(retain_graph=draw(st.booleans()))
    before = [any_call(False) for _ in range(draw(st.integers(0, 1)))]
    after = [any_call(True) for _ in range(draw(st.integers(1, 3)))]
    doc.set_calls([*before, calls.PRIMARY, *after])
    return doc


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_random_programs_give_torchs_grad_history(doc: Document):
    check(doc)
