"""Forms met in a round of unseen learner code, each against plain torch in a subprocess:
`x.grad.fill_(0)` zeroes the gradient as `zero_()` does; `torch.ones_like(t)` of a tensor of
a finished training step reads only its shape (a PINN's grad_outputs); and a tensor whose
requires_grad a function sets on its argument is the caller's tensor too, also when an
earlier computation used it without grad (the caller's name then holds the new leaf, whose
.grad the later backward calls add to); `model.lmbda = nn.Parameter(...)` on a torch model
is a new parameter of it (a PINN's unknown coefficient), first in its parameters(); a
.grad changed in place after the backward (`d_p.add_(weight_decay, p.data)`, clamp_, mul_) is
torch's method on the .grad torch gives there, which the step then uses; a backward after
such a change and before any update is refused (it would add to the changed .grad); an
optimizer's param group given one tensor (`{'params': w1, 'lr': 0.1}`); a loop making a new
leaf and a backward call each epoch, past the call limit (the leaves nothing holds any more
leave the document with their step, so the reading stays linear in the loop's length)."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import engine_side

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
    'a_new_parameter_given_to_a_model': """import torch
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
model.lmbda = torch.nn.Parameter(torch.tensor([6.0]))
optim = torch.optim.SGD(model.parameters(), lr=0.01)
print([n for n, p in model.named_parameters()])
x = torch.tensor([[1.0, 2.0], [0.5, -1.0]])
for i in range(3):
    optim.zero_grad()
    loss = ((model(x) * model.lmbda - 1) ** 2).mean()
    loss.backward()
    optim.step()
print(model.lmbda, model.lmbda.grad)
""",
    'a_grad_changed_in_place_after_the_backward': """import numpy as np
import torch
import torch.nn as nn
p = nn.Parameter(torch.from_numpy(np.ones((3, 3))))
loss = torch.sum(p ** 2)
loss.backward()
g = p.grad.data
decay = 3.0
g.add_(decay, p.data)
print(g)
""",
    'weight_decay_and_clipping_by_hand_before_the_step': """import torch
torch.manual_seed(0)
w = torch.randn(3, requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1)
x = torch.tensor([1.0, 2.0, -1.0])
for i in range(4):
    opt.zero_grad()
    loss = ((w * x).sum() - 1) ** 2
    loss.backward()
    w.grad.add_(0.01 * w.data)
    w.grad.data.clamp_(-0.5, 0.5)
    opt.step()
print(w, w.grad)
""",
    'a_grad_scaled_before_an_update_by_hand': """import torch
w = torch.tensor([1.0, -2.0], requires_grad=True)
for i in range(3):
    loss = (w ** 2).sum()
    loss.backward()
    w.grad.mul_(0.5)
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad.zero_()
print(w)
""",
    'param_groups_of_one_tensor_each': """import torch
torch.manual_seed(0)
w1 = torch.randn(2, 2)
w1.requires_grad = True
w2 = torch.randn(2, 2)
w2.requires_grad = True
opt = torch.optim.SGD([{'params': w1, 'lr': 0.1}, {'params': w2, 'lr': 0.001}])
print(len(opt.param_groups))
loss = (w1 * w2).sum() ** 2
loss.backward()
opt.step()
opt.zero_grad()
(w1 * w2 * 3).sum().backward()
""",
    'a_new_leaf_each_epoch_past_the_call_limit': """import torch
J = torch.FloatTensor([[1, -2, 1], [2, 3, -4], [1, -4, 1]])
h = torch.FloatTensor([[1], [1], [1]])
x = torch.FloatTensor([[0.1], [0.1], [0.1]])
for epoch in range(150):
    x_var = torch.nn.Parameter(x, requires_grad=True)
    obj = torch.matmul(x_var.t(), torch.matmul(J, x_var)) + torch.matmul(h.t(), x_var)
    obj.backward()
    grad = x_var.grad
    x = x - 1e-2 * grad
    x[x < -1] = -1
    x[x > 1] = 1
print('Solution:', x)
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
    assert reference["a_grad_changed_in_place_after_the_backward"]["grads"]["p"] == [
        [5.0] * 3] * 3  # 2 from the backward, 3 from the weight decay added in place
    ours = engine_side(SNIPPETS["a_new_parameter_given_to_a_model"])["grads"]
    assert ours["model_lmbda"][0] != 0.0  # named as the model's own parameter


def test_a_backward_after_a_grad_changed_in_place_is_refused() -> None:
    refused = engine_side("import torch\nw = torch.tensor([3.0, 4.0], requires_grad=True)\n"
                          "(w * w).sum().backward()\n"
                          "torch.nn.utils.clip_grad_norm_([w], 1.0)\n"
                          "(w * 2).sum().backward()\n")["refused"]
    assert refused.startswith("line 5, column 1") and "after a .grad was changed" in refused


def test_past_the_call_limit_the_leaves_nothing_holds_leave_with_their_step() -> None:
    from engine.snippets.reader import import_snippet

    doc = import_snippet(SNIPPETS["a_new_leaf_each_epoch_past_the_call_limit"], layout=False)
    assert len(doc.calls) == 10 and len(list(doc.leaves())) == 10  # the last ten epochs'
    assert doc.description.startswith("140 earlier calls ran with torch")
