"""The Jacobian lens with several calls: J and v of one call, and vᵀJ checked against what
that call itself produced (its own share of .grad, or what autograd.grad returned), never
against .grad after another call. Expected values come from plain torch making the same
calls (tests/engine/plain_calls.py) or written out by hand in torch."""

from __future__ import annotations

import pytest
import torch

from engine import calls
from engine.document import Document
from engine.jacobian import analyse, lens
from engine.run import run
from tests.engine.helpers import leaf, op
from tests.engine.plain_calls import run_program
from tests.engine.webpage_helpers import example


def analysed(doc: Document):
    result = run(doc)
    analyse(doc, result)
    assert result.lens is not None
    return result


def torch_share(before: torch.Tensor | None, after: torch.Tensor | None) -> list[float]:
    """What one backward call added to .grad, from plain torch's .grad around it."""
    assert after is not None
    return (after - (before if before is not None else torch.zeros_like(after))).tolist()


def test_tour_11_each_backward_call_is_checked_against_its_own_share():
    doc = example("tour_11_accumulate_then_zero_grad")
    result = analysed(doc)
    plain = run_program(doc)
    x = "1"
    assert result.lens.call == 0  # the first backward call by default
    for k in (0, 1, 3):  # the backward calls; call 3 (index 2) is the zero_grad
        shown = result.lens.for_call(k)
        before = plain[k - 1].grads[x] if k else None
        assert shown.call == k and shown.v.tolist() == [1.0]
        assert shown.vjp.tolist() == pytest.approx(torch_share(before, plain[k].grads[x]))
        assert shown.matches is True
        assert shown.compared_with == f"call {k + 1}'s own share of .grad"
    # call 2 left .grad = 4x: the share 2x is what matches, not the .grad after it
    assert plain[1].grads[x].tolist() == [4.0, 8.0, 12.0]
    assert result.lens.for_call(1).vjp.tolist() == [2.0, 4.0, 6.0]
    assert result.lens.for_call(2) is result.lens  # zero_grad has no J: the default one


def test_tour_12_the_first_call_is_checked_although_the_second_raised():
    doc = example("tour_12_retain_graph_error")
    result = analysed(doc)
    plain = run_program(doc)
    assert result.error is not None and plain[1].error is not None
    first = result.lens
    assert first.call == 0 and first.matches is True
    assert first.vjp.tolist() == plain[0].grads["1"].tolist() == [1.0, -2.0, 4.0]
    assert "failed" not in first.note
    second = result.lens.for_call(1)
    assert second.call == 1 and second.matches is None
    assert second.vjp.tolist() == [1.0, -2.0, 4.0]  # J and v are still that call's
    assert "call 2 raised RuntimeError" in second.note


def test_tour_13_grad_call_compares_with_what_it_returned():
    doc = example("tour_13_grad_vs_backward")
    result = analysed(doc)
    plain = run_program(doc)
    assert result.lens.call == 1  # the first backward call is call 2 here
    assert result.lens.vjp.tolist() == plain[1].grads["1"].tolist()
    assert result.lens.matches is True
    grad_lens = result.lens.for_call(0)
    assert grad_lens.call == 0
    assert grad_lens.vjp.tolist() == plain[0].results["1"].tolist() == [3.0, -1.0, 0.5]
    assert grad_lens.matches is True
    assert grad_lens.compared_with == "what call 1's autograd.grad returned"


def test_single_call_example_is_unchanged():
    doc = example("seed_3_tensor_loss_with_gradient")
    result = analysed(doc)
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    (x * x).backward(torch.tensor([1.0, 0.5]))
    assert result.lens.vjp.tolist() == x.grad.tolist()
    assert result.lens.matches is True and result.lens.others == {}
    assert result.lens.label == "" and result.lens.compared_with == ".grad of the backward run"


def two_seeds() -> tuple[Document, str, str, str]:
    doc = Document()
    x = leaf(doc, "x", [1.0, -2.0, 0.5])
    w = leaf(doc, "w", [0.3, 0.7, -1.1])
    y = op(doc, "mul", "y", x, w)
    doc.update_node(y, is_output=True, seed=[1.0, 0.5, -2.0])
    doc.set_options(retain_graph=True)
    doc.add_call(calls.backward([y], [[3.0, -1.0, 0.25]]))
    return doc, x, w, y


def test_a_second_seed_is_its_calls_v_and_its_share_is_compared():
    doc, x, w, y = two_seeds()
    result = analysed(doc)
    xt = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64, requires_grad=True)
    wt = torch.tensor([0.3, 0.7, -1.1], dtype=torch.float64, requires_grad=True)
    second = torch.tensor([3.0, -1.0, 0.25], dtype=torch.float64)
    (share_x, share_w) = torch.autograd.grad(xt * wt, [xt, wt], second)
    shown = result.lens.for_call(1)
    assert shown.v.tolist() == second.tolist()
    assert shown.vjp.tolist() == pytest.approx(share_x.tolist() + share_w.tolist(), rel=1e-12)
    assert shown.matches is True
    total = result.calls[1].grads_after[x]
    assert total.tolist() != pytest.approx(share_x.tolist())  # .grad holds both calls


def test_a_wrong_share_is_caught():
    doc, x, w, y = two_seeds()
    result = run(doc)
    result.calls[1].grads_after[x] = result.calls[1].grads_after[x] + 0.5
    checked = lens(doc, result, 1)
    assert checked.matches is False
    assert checked.col_labels[checked.worst_column].startswith("x[")
    assert checked.max_difference == pytest.approx(0.5)


def test_accumulating_runs_compare_the_new_share():
    doc, x, w, y = two_seeds()
    doc.set_options(accumulate=True)
    first = run(doc)
    again = run(doc, first)
    checked = lens(doc, again)
    assert again.calls[0].grads_before[x] is not None  # .grad came in from the last run
    assert checked.matches is True


def test_grad_by_an_inner_node():
    doc = Document()
    x = leaf(doc, "x", [1.0, -2.0, 0.5])
    h = op(doc, "square", "h", x)
    loss = op(doc, "sum", "loss", op(doc, "mul", "m", h, x))
    doc.update_node(loss, is_output=True)
    doc.set_options(retain_graph=True)
    doc.add_call(calls.grad([loss], [h]))
    result = analysed(doc)
    xt = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64, requires_grad=True)
    ht = xt.square()
    (by_h,) = torch.autograd.grad((ht * xt).sum(), [ht])
    shown = result.lens.for_call(1)
    assert shown.col_labels == ["h[0]", "h[1]", "h[2]"]
    assert shown.vjp.tolist() == pytest.approx(by_h.tolist())
    assert shown.matches is True


def test_a_seed_edit_reuses_every_calls_j_and_checks_each_call_against_plain_torch():
    """Seed edits take J from the last run (it does not depend on v) for every call, not only
    the first: each call's v, vᵀJ and check are those of a fresh analysis and of torch."""
    doc = example("tour_11_accumulate_then_zero_grad")
    before = analysed(doc)
    out = doc.outputs()[0]
    doc.update_node(out.id, seed=2.5)
    reused, fresh = run(doc), analysed(doc)
    analyse(doc, reused, basis=before)
    assert reused.lens is not None and fresh.lens is not None
    plain = run_program(doc)
    for k in (0, 1, 3):
        mine, new = reused.lens.for_call(k), fresh.lens.for_call(k)
        assert mine.call == k and mine.jacobian is before.lens.for_call(k).jacobian
        assert torch.equal(mine.jacobian, new.jacobian)
        assert torch.equal(mine.v, new.v) and torch.equal(mine.vjp, new.vjp)
        assert (mine.matches, mine.note, mine.compared_with) == \
            (new.matches, new.note, new.compared_with)
        assert mine.matches is True
        before_k = plain[k - 1].grads["1"] if k else None
        assert mine.vjp.tolist() == pytest.approx(torch_share(before_k, plain[k].grads["1"]))
    assert reused.lens.for_call(0).v.tolist() == [2.5]  # the edited seed, not the old one
