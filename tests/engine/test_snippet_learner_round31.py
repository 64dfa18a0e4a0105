"""Forms met in a round of unseen learner code, each against plain torch in a subprocess:
`x.grad.fill_(0)` zeroes the gradient as `zero_()` does; `torch.ones_like(t)` of a tensor of
a finished training step reads only its shape (a PINN's grad_outputs); and a tensor whose
requires_grad a function sets on its argument is the caller's tensor too, also when an
earlier computation used it without grad (the caller's name then holds the new leaf, whose
.grad the later backward calls add to)."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests

SNIPPETS = {
    'a_grad_filled_with_zeros': """import torch
x = torch.tensor(-4.)
for it in range(3):
    x = torch.nn.Parameter(x)
    L = (x - 2) ** 2
    L.backward()
    x.data += -0.1 * x.grad
    x.grad.fill_(0)
print(x.grad)
y = torch.tensor([1.0, 2.0], requires_grad=True)
(y * 3).sum().backward()
y.grad.data.fill_(0.0)
(y * y).sum().backward()
""",
    'ones_like_of_a_finished_step': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1)
for i in range(3):
    pred = w * 2
    loss = (pred ** 2).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
x = torch.tensor([0.5, 1.5], requires_grad=True)
u = (x ** 3) * w
g, = torch.autograd.grad(u, x, grad_outputs=torch.ones_like(pred), create_graph=True)
g.sum().backward()
print(x.grad)
""",
    'an_argument_made_to_require_grad_inside_a_function': """import torch
pts = torch.linspace(0, 1, 5)
f = torch.sin(pts)
w = torch.tensor([0.5], requires_grad=True)
def pde(w, pts):
    pts.requires_grad = True
    u = (w * pts) ** 3
    du, = torch.autograd.grad(u, pts, torch.ones_like(u), create_graph=True)
    return ((du - f) ** 2).sum()
for i in range(2):
    loss = pde(w, pts)
    loss.backward()
print(pts.grad, w.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    filled = reference["a_grad_filled_with_zeros"]["grads"]
    assert filled["x"] == 0.0 and filled["y"] == [2.0, 4.0]
    pts = reference["an_argument_made_to_require_grad_inside_a_function"]["grads"]["pts"]
    assert pts[0] == pytest.approx(0.0) and pts[-1] != 0.0
    assert reference["ones_like_of_a_finished_step"]["error"] is None
