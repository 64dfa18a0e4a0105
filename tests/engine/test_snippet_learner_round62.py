"""Forms met in unseen learner code, each against plain torch in a subprocess: a tensor's own
attributes (`w.g = ...`, fastai-style backprop by hand) computed before a training step and
used after it, in the update itself and through a function set on the tensor
(`result.back = back`) whose closure holds the finished step's tensors; a name bound to a
.grad through `.numpy()`, `.detach()` or `.cpu()` (the same memory) and its items, used in the
update (a new leaf made each step from the numbers); numpy's item of it, a copy, used after
another backward is refused rather than read as the .grad of then."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    'own_grads_by_hand_used_in_two_updates': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor(0.5, requires_grad=True)
x = torch.tensor([3.0, 4.0])
for i in range(3):
    y = (w * x).sum() + b
    w.g = x * y
    b.g = y * 1
    y.backward()
    b.data -= b.g * 0.01
    w.data -= w.g * 0.01
    w.grad.zero_()
    b.grad.zero_()
print(w, w.g, b)
""",
    'backward_by_hand_through_closures_after_the_step': """import torch
torch.manual_seed(0)
x = torch.rand(10)
y_true = 4 * x - 1

class MAELoss:
    def forward(self, y_true, y_pred):
        resid = y_true - y_pred
        result = resid.abs().mean()
        def back():
            y_pred.g = -resid.sign() / len(y_true)
            y_pred.back()
        result.back = back
        result.retain_grad()
        return result

class Linear:
    def __init__(self):
        self.w = torch.tensor(0.0, requires_grad=True)
        self.b = torch.tensor(0.0, requires_grad=True)

    def forward(self, x):
        result = self.w * x + self.b
        def back():
            self.w.g = result.g @ x
            self.b.g = result.g.sum()
        result.back = back
        result.retain_grad()
        return result

linear = Linear()
loss_layer = MAELoss()
y_pred = linear.forward(x)
loss = loss_layer.forward(y_true, y_pred)
loss.back(); loss.backward()
linear.b.data -= linear.b.g * 0.01
linear.w.data -= linear.w.g * 0.01
print(linear.w, linear.b)
loss.back()
linear.b.data -= linear.b.g * 0.01
print(linear.w.grad, linear.b.grad, linear.b)
w, b = linear.w, linear.b  # compared by name
""",
    'new_leaf_each_step_from_the_grads_numpy_items': """import torch
x = torch.tensor([-10, 20], dtype=float, requires_grad=True)
lr = 0.1
for i in range(3):
    y = (x * x).mean()
    y.backward()
    grad = x.grad.numpy()
    ag, bg = grad[0], grad[1]
    a, b = float(x.detach()[0]), float(x.detach()[1])
    x = torch.tensor([a - lr * ag, b - lr * bg], dtype=float, requires_grad=True)
    y2 = (x ** 3).sum()
y2.backward()
print(x, x.grad)
""",
    'update_through_grad_detached_and_through_its_view': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
for i in range(3):
    loss = (w ** 2).sum()
    loss.backward()
    g = w.grad.detach()
    first = w.grad.cpu().numpy()
    with torch.no_grad():
        w -= 0.1 * torch.as_tensor(g)
        w[0] -= 0.05 * float(first[0])
    w.grad.zero_()
(w ** 3).sum().backward()
print(w, w.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    own = reference["own_grads_by_hand_used_in_two_updates"]
    assert own["grads"]["w"] == [0.0, 0.0] and "grad_fn=<MulBackward0>" in own["stdout"]
    closures = reference["backward_by_hand_through_closures_after_the_step"]
    assert abs(closures["grads"]["w"] + 0.4460) < 1e-4
    assert abs(closures["grads"]["b"] + 0.6) < 1e-6
    assert "tensor(0.0120, requires_grad=True)" in closures["stdout"]
    steps = reference["new_leaf_each_step_from_the_grads_numpy_items"]
    # the mean's gradient is x itself: each step scales x by 0.9
    expected = [3 * (-10 * 0.9 ** 3) ** 2, 3 * (20 * 0.9 ** 3) ** 2]
    assert max(abs(a - b) for a, b in zip(steps["grads"]["x"], expected, strict=True)) < 1e-9
    w = reference["update_through_grad_detached_and_through_its_view"]["grads"]["w"]
    assert abs(w[1] - 3 * (2 * 0.8 ** 3) ** 2) < 1e-4 and w[0] != 3 * (0.8 ** 3) ** 2


def test_numpys_item_of_a_grad_used_after_another_backward_is_refused() -> None:
    # numpy's item is a copy: torch uses the numbers of before the second backward
    refused = engine_side("""import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
(w ** 2).sum().backward()
g = w.grad.numpy()
a = g[0]
(w * 3).sum().backward()
with torch.no_grad():
    w -= 0.1 * a
""")
    assert "uses a .grad in a later computation" in refused["refused"]
