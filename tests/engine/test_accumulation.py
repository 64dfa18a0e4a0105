"""Each call's share of .grad (engine/accumulation.py) against plain torch: shares since the
last reset add up to torch's .grad, a call with inputs= that leaves a leaf out adds nothing to
it, zero_grad starts over, and autograd.grad adds nothing."""

from __future__ import annotations

import pytest
import torch

from engine import calls
from engine.accumulation import leaf_history
from engine.run import run
from tests.engine.test_calls_torch import square_sum


def test_shares_follow_torchs_grad_history():
    doc, x, w, loss = square_sum()
    doc.set_options(retain_graph=True)
    doc.add_call(calls.backward([loss], [2.0], retain_graph=True, inputs=[x]))
    doc.add_call(calls.grad([loss], [w], retain_graph=True))
    doc.add_call(calls.zero_grad([x]))
    doc.add_call(calls.backward([loss], [0.5]))
    result = run(doc)
    assert result.error is None

    tx = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
    tw = torch.tensor([0.3, 0.7, -1.1], requires_grad=True)
    out = (tx * tw).square().sum()
    out.backward(retain_graph=True)
    x1, w1 = tx.grad.clone(), tw.grad.clone()
    out.backward(torch.tensor(2.0), retain_graph=True, inputs=[tx])
    x2 = tx.grad.clone()
    torch.autograd.grad(out, [tw], retain_graph=True)
    tx.grad.zero_()
    out.backward(torch.tensor(0.5))
    x5, w5 = tx.grad.clone(), tw.grad.clone()

    after_2 = leaf_history(result, x, 1)
    assert [s.call for s in after_2.shares] == [0, 1]
    assert after_2.shares[0].values == pytest.approx(x1.tolist())
    assert after_2.shares[1].values == pytest.approx((x2 - x1).tolist())
    assert after_2.grad == pytest.approx(x2.tolist())
    assert [s.call for s in leaf_history(result, w, 2).shares] == [0]  # inputs=[x], grad: none
    final_x = leaf_history(result, x, 4)
    assert final_x.resets == [3] and [s.call for s in final_x.shares] == [4]
    assert final_x.shares[0].values == pytest.approx(x5.tolist())
    final_w = leaf_history(result, w, 4)
    assert [s.call for s in final_w.shares] == [0, 4] and final_w.resets == []
    total = [sum(v) for v in zip(*(s.values for s in final_w.shares), strict=True)]
    assert total == pytest.approx(w5.tolist())
    assert final_w.shares[1].values == pytest.approx((w5 - w1).tolist())
