"""Forms a fresh round of learner code showed (plain torch in a subprocess): a tensor filled
in place in a loop whose earlier items an op saved (torch's version counter is the whole
tensor's, and counts the writes made before any use), `torch.add/sub(..., alpha=)`, a .grad
indexed in a print after `optimizer.zero_grad()` made it None (Python's TypeError there), and
autograd called inside a custom Function's backward (refused with a message, not an
escaped exception)."""

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
