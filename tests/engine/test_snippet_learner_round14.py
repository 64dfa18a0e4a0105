"""Forms a fresh round of learner code showed (plain torch in a subprocess): a tensor filled
in place in a loop whose earlier items an op saved (torch's version counter is the whole
tensor's, and counts the writes made before any use), `torch.add/sub(..., alpha=)`, a .grad
indexed in a print after `optimizer.zero_grad()` made it None (Python's TypeError there), and
autograd called inside a custom Function's backward (refused with a message, not an
escaped exception), and a training loop that makes a new leaf from each update
(`params = (params - lr * params.grad).detach().requires_grad_()`, read as steps, so 200
epochs stay under the call limit)."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import engine_side

REFUSED = {"autograd_inside_a_custom_backward"}
SNIPPETS = {
    'add_and_sub_with_alpha': """import torch
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor([3.0, -1.0], requires_grad=True)
out = torch.add(a, b, alpha=0.5) * torch.sub(a, b, alpha=2) + torch.add(a, b * b, alpha=3)
out.sum().backward()
print(a.grad, b.grad)
""",
    'autograd_inside_a_custom_backward': """import torch
class F(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return (x * w).sum()
    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        x.requires_grad = True
        out = (x * w).sum()
        dx, = torch.autograd.grad(out, x, g)
        return dx, None
x = torch.ones(3, requires_grad=True)
w = torch.tensor([1.0, 2.0, 3.0])
F.apply(x, w).backward()
print(x.grad)
""",
    'filled_from_a_tensor_with_grad': """import torch
x = torch.ones(1, requires_grad=True)
f = torch.zeros(3) * x
f[1] = f[0] * x
f[2] = f[1] * x
f.sum().backward()
print(x.grad)
""",
    'filled_in_a_loop_saves_views': """import torch
x = torch.ones(1, requires_grad=True)
f = torch.zeros(3)
f[0] = 1
f[1] = f[0] * x
f[2] = f[1] * x
f.sum().backward()
print(x.grad)
""",
    'filled_then_grad_call': """import torch
x = torch.ones(1, requires_grad=True)
f = torch.zeros(3)
f[0] = 1
f[1] = f[0] * x
f[2] = (f[1] * x).exp()
torch.autograd.grad(f.sum(), [x])
""",
    'grad_indexed_after_zero_grad': """import torch
torch.manual_seed(0)
model = torch.nn.Linear(3, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(4, 3)
for i in range(3):
    loss = model(x).pow(2).sum()
    loss.backward()
    print(model.weight.grad[0], model.weight.grad.norm())
    opt.step()
opt.zero_grad()
print(model.weight.grad)
print(model.weight.grad[0])
""",
    'new_leaf_each_step_200_epochs': """import torch
t_u = torch.tensor([35.7, 55.9, 58.2, 81.9, 56.3]) * 0.1
t_c = torch.tensor([0.5, 14.0, 15.0, 28.0, 11.0])
params = torch.tensor([1.0, 0.0], requires_grad=True)
for epoch in range(1, 201):
    t_p = params[0] * t_u + params[1]
    loss = ((t_p - t_c) ** 2).mean()
    loss.backward()
    params = (params - 1e-2 * params.grad).detach().requires_grad_()
print(params)
""",
    'new_leaf_each_step_old_one_kept': """import torch
torch.manual_seed(0)
w = torch.randn(2, requires_grad=True)
first = w
for step in range(3):
    loss = (w ** 2).sum()
    loss.backward()
    w = (w - 0.1 * w.grad).detach().requires_grad_()
print(first.grad, w)
(w * 3).sum().backward()
print(w.grad, first.grad)
""",
    'new_leaf_each_step_then_a_last_backward': """import torch
torch.manual_seed(0)
w = torch.randn(3, requires_grad=True)
x = torch.randn(4, 3)
history = []
for step in range(5):
    loss = ((x @ w) ** 2).mean()
    loss.backward()
    history.append(loss.item())
    w = (w - 0.1 * w.grad).detach().requires_grad_()
loss = ((x @ w) ** 2).mean()
loss.backward()
print(w, w.grad, history)
""",
    'recurrence_written_into_one_tensor': """import torch
x = torch.ones(1)
x.requires_grad_()
f = torch.zeros(6)
f[0] = 1
for i in range(1, 6):
    f[i] = f[i - 1] * x
    f[i] = 1 / (1.0 + torch.exp(-f[i]))
loss = torch.sum(f)
grad = torch.autograd.grad(loss, [x])[0]
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(
    {k: v for k, v in SNIPPETS.items() if k not in REFUSED})


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    error = reference["filled_in_a_loop_saves_views"]["error"]
    assert "is at version 3; expected version 2 instead" in error["message"]
    assert reference["grad_indexed_after_zero_grad"]["error"]["type"] == "TypeError"


def test_a_new_leaf_each_step_keeps_one_steps_calls() -> None:
    ours = engine_side(SNIPPETS["new_leaf_each_step_200_epochs"])
    assert ours["grads"]["params"] is None  # the last new leaf: no backward on it yet
    assert ours["last_step_only"] and len(ours["calls"]) <= 3


def test_the_version_torch_names_is_the_one_given() -> None:
    ours = engine_side(SNIPPETS["filled_in_a_loop_saves_views"])
    assert "is at version 3; expected version 2 instead" in ours["error"]["message"]


def test_alpha_scales_the_second_operand() -> None:
    ours = engine_side(SNIPPETS["add_and_sub_with_alpha"])
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, -1.0], requires_grad=True)
    ((a + 0.5 * b) * (a - 2 * b) + (a + 3 * b * b)).sum().backward()
    assert a.grad is not None and b.grad is not None
    assert ours["grads"]["a"] == pytest.approx(a.grad.tolist())
    assert ours["grads"]["b"] == pytest.approx(b.grad.tolist())


def test_autograd_inside_a_backward_is_refused_where_it_is() -> None:
    refused = engine_side(SNIPPETS["autograd_inside_a_custom_backward"])["refused"]
    assert refused.startswith("line 8, column 5: F.backward calls backward or autograd.grad")
    assert "outside the computation Gradflow reads" in refused
