"""Hooks that change the gradient they are given in place, each against plain torch in a
subprocess: `grad.mul_(mask)` on a layer's weight with the mask made after the hook is
registered (Python looks the name up when backward runs the hook), `g *= k`, a masked write
and clamp_ in a def that returns nothing, `g.zero_()` in a lambda; a hook reading a name
never bound is Python's NameError at the backward call. Where the gradient the hook is given
is handed on by its use to another tensor too (an add), the change is refused, saying why."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests

from engine.snippets.reader import ImportError_, import_snippet

SNIPPETS = {
    'weight_gradient_masked_in_place_by_a_mask_made_later': """import torch
import torch.nn as nn
import torch.optim as optim
torch.manual_seed(0)
def grad_hook(grad):
    print("before", grad)
    grad.mul_(grad_mask)
    print("after", grad)
x = torch.Tensor([1, 2, 3, 4, 5])
model = nn.Linear(5, 1)
act = model.weight.register_hook(grad_hook)
grad_mask = torch.ones(1, 5)
grad_mask[0, 0] = 0.0
optimizer = optim.SGD(model.parameters(), lr=1.0)
criterion = nn.MSELoss()
y = model(x)
optimizer.zero_grad()
loss = criterion(y[0], torch.tensor(1.0))
loss.backward()
optimizer.step()
print(model.weight)
""",
    'scaled_masked_and_clamped_in_place_in_a_def': """import torch
x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
y = x * torch.tensor([2.0, 5.0, -1.0])
def hook(g):
    g *= 0.5
    g[g < 0] = 0
    g.clamp_(max=1.5)
y.register_hook(hook)
(y * y).sum().backward()
print(x.grad)
""",
    'zeroed_in_a_lambda_then_used_twice': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor([0.5, 0.5], requires_grad=True)
w.register_hook(lambda g: g.zero_())
loss = (w * w * 3 + b * w).sum()
loss.backward()
print(w.grad, b.grad)
""",
    'a_hook_reading_a_name_never_bound': """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
x.register_hook(lambda g: g.mul_(scale))
(x * 2).sum().backward()
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    masked = reference["weight_gradient_masked_in_place_by_a_mask_made_later"]
    assert "after tensor([[ -0.0000, -14.7423" in masked["stdout"]  # the first weight's: 0
    # 2y·x' = [4, -25, -3] halved, the negative ones 0, then at most 1.5, times [2, 5, -1]
    assert reference["scaled_masked_and_clamped_in_place_in_a_def"]["grads"]["x"] == \
        [3.0, 0.0, -0.0]
    grads = reference["zeroed_in_a_lambda_then_used_twice"]["grads"]
    assert (grads["w"], grads["b"]) == ([0.0, 0.0], [1.0, 2.0])
    assert "name 'scale' is not defined" in str(
        reference["a_hook_reading_a_name_never_bound"]["error"])


def test_a_gradient_handed_on_to_another_tensor_is_not_changed_in_place() -> None:
    with pytest.raises(ImportError_, match=r"line 5, column 1: the hook changes the gradient "
                       r"it is given in place \(g.mul_\(2\)\), and its one use, .* \(add\), "
                       r"hands on the gradient it received itself"):
        import_snippet("import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\n"
                       "w = torch.tensor([3.0, 4.0], requires_grad=True)\ny = x * 2\n"
                       "y.register_hook(lambda g: g.mul_(2))\n(y + w).sum().backward()\n")
