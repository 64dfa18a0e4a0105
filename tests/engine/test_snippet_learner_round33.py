"""Forms met in a round of unseen learner code, each against plain torch in a subprocess: the
gradients a computed tensor keeps after its retain_grad(), compared with a backward worked
out by hand (`cmp('dH', dH, H)` of makemore-style notebooks: ==, allclose and the largest
difference of `t.grad`) and computed with after the backward, added up over two backward
calls as torch adds into them, and given as the next backward's gradient."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'retained_grads_checked_against_a_backward_by_hand': """import torch
torch.manual_seed(0)

def cmp(s, dt, t):
    ex = torch.all(dt == t.grad).item()
    app = torch.allclose(dt, t.grad)
    maxdiff = (dt - t.grad).abs().max().item()
    print(f'{s:10s} | exact: {str(ex):5s} | approximate: {str(app):5s} | maxdiff: {maxdiff}')
    return maxdiff

x = torch.tensor([1.0, 2.0, 3.0, 4.0])
y = torch.tensor([2.0, 4.0, 6.0, 8.0])
w = torch.randn(1, requires_grad=True)
b = torch.randn(1, requires_grad=True)
h = w * x + b
diff = h - y
sq = diff ** 2
total = sq.sum()
loss = total / len(y)
for t in [diff, sq, h, total]:
    t.retain_grad()
loss.backward()
dtotal = torch.ones_like(total) / len(y)
dsq = dtotal * torch.ones_like(sq)
ddiff = 2 * diff * dsq
dw = (x * ddiff).sum(0, keepdim=True)
worst = max(cmp('total', dtotal, total), cmp('sq', dsq, sq), cmp('diff', ddiff, diff),
            cmp('h', ddiff, h), cmp('w', dw, w))
assert worst < 1e-5
""",
    'a_retained_grad_added_up_and_computed_with': """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
h = x * 3
h.retain_grad()
y = (h ** 2).sum()
y.backward(retain_graph=True)
g1 = h.grad * 1.0
y.backward()
print((h.grad - 2 * g1).abs().max().item(), g1)
z = (h.grad * x).sum()
z.backward()
""",
    'a_retained_grad_as_the_next_gradient': """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x * x).sum()
y.retain_grad()
y.backward(torch.tensor(2.0), retain_graph=True)
y.backward(y.grad)
print(x.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["retained_grads_checked_against_a_backward_by_hand"]["error"] is None
    assert reference["a_retained_grad_as_the_next_gradient"]["grads"]["x"] == [8.0, 16.0]
    # x.grad: 2 * 2 * 9x from the two backward calls, then h.grad = 4 * 3x from z
    assert reference["a_retained_grad_added_up_and_computed_with"]["grads"]["x"] == [48.0, 96.0]
