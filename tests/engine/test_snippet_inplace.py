"""In-place updates, asserts, hooks' handles and the other statements learners write around
their computation, each against plain torch in a subprocess: the same leaf grads and torch's
own error text (the snippets are this test's own code, written after real learner code)."""

from __future__ import annotations

from typing import Any

import pytest
from test_corpus import agrees, engine_side
from torch_reference import by_name

SNIPPETS = {
    # sigmoid saves its output: the backward finds it changed
    "saved_output_changed": """import torch
x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = x.sigmoid()
y += 1
y.sum().backward()
""",
    # x * w saved w; two updates of exp's output: torch names the later-made op, version 2
    "saved_input_changed_twice": """import torch
x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
w = torch.ones(3)
y = x * w
w += 1
z = x.exp()
z *= 2
z.add_(1)
(y.sum() + z.sum()).backward()
""",
    # add saves nothing: the update is harmless and the grads are torch's
    "harmless_update": """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 3
y.add_(1)
z = y.add_(2)
(z * y).sum().backward()
""",
    # the update does not reach the output's backward: no error
    "update_off_the_path": """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x.exp()
out = (x * 2).sum()
y += 1
out.backward()
""",
    "broadcast_into_smaller": """import torch
x = torch.ones(3, requires_grad=True)
y = x * 1
y += torch.ones(2, 3)
""",
    "detach_shares_memory": """import torch
c = torch.tensor([1.0, 2.0], requires_grad=True)
d = c.detach()
d += 1
(c * c).sum().backward()
""",
    "assert_fails": """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x * x).sum()
assert y.shape == (), "not a scalar"
assert y > 100, f"too small: {y.item()}"
y.backward()
""",
    "hook_removed_before_backward": """import torch
v = torch.tensor([0., 0., 0.], requires_grad=True)
h = v.register_hook(lambda grad: grad * 2)
h.remove()
v.backward(torch.tensor([1., 2., 3.]))
""",
    "parameter_and_max": """import torch
from torch import nn
torch.manual_seed(0)
W = nn.Parameter(torch.randn(3, 2) * 0.1)
X = torch.randn(4, 3)
H = torch.max(X @ W, torch.zeros(4, 2))
H.min(torch.ones(4, 2)).sum().backward()
""",
    "set_grad_enabled_call": """import torch
x = torch.tensor([1.0], requires_grad=True)
_ = torch.set_grad_enabled(False)
y = x * 2
_ = torch.set_grad_enabled(True)
y.backward()
""",
    # the script stops at the first backward: x is the first x, not the later cell's
    "error_then_a_later_cell": """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 2
y.backward()
x = torch.tensor([3.0], requires_grad=True)
(x * x).sum().backward()
""",
    # what learners print and check around the computation: none of it changes a gradient
    "harmless_statements": """import torch
print(torch.__version__)
device = 'cuda' if torch.cuda.is_available() else 'cpu'
x = torch.randn(3, requires_grad=True, device=device)
y = x.to(device) * 2
z = y.cpu().sum()
print(x.size(), x.dtype, x.device, type(x), x.shape[0], len(x), x.ndim, x.numel())
print(y.grad_fn.name(), y.grad_fn.next_functions)
torch.set_printoptions(precision=3)
print(f"{z.item():.3f}", x.requires_grad, y.is_leaf)
assert x.shape == (3,) and not y.is_leaf
if x.requires_grad:
    z.backward()
print(x.grad.numpy(), x.grad.tolist())
""",
    "reductions_and_views": """import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
x = torch.randn(4, 2, requires_grad=True)
out = model(x).squeeze(1)
loss = out.max() + out.min() + x.norm() + torch.norm(x, dim=1).sum() + x.unsqueeze(0).sum()
loss.backward()
for name, p in model.named_parameters():
    print(name, p.grad)
""",
    "cat_and_stack": """import torch
a = torch.tensor([[1.0, 2.0]], requires_grad=True)
b = torch.ones(2, 2)
c = torch.cat((a, b, a * 3), dim=0)
d = torch.stack([a[0], a[0] * 2], -1)
(c.sum(0) * torch.tensor([1.0, 2.0])).sum().backward(retain_graph=True)
(d ** 2).sum().backward()
""",
    "more_activations": """import torch
import torch.nn as nn
import torch.nn.functional as F
x = torch.tensor([-2.0, 0.5, 3.0], requires_grad=True)
m = nn.Sequential(nn.LeakyReLU(0.2), nn.ELU(alpha=0.5), nn.GELU(), nn.Softplus(beta=2))
y = F.leaky_relu(x, 0.1) + F.gelu(x, approximate="tanh") + F.softplus(x) + F.elu(x) + m(x)
y.sum().backward()
""",
    "where_with_numbers": """import torch
x = torch.tensor([-1.0, 2.0], requires_grad=True)
y = torch.where(x > 0, x, x * 0.1)
z = torch.where(x < 0, 0.0, x ** 2)
(y.sum() + z.sum()).backward()
""",
    "setting_places": """import torch
x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
out = torch.zeros(3)
out[0] = x[0] * 2
out[1:] = x[1:] ** 2
y = x * 1
y[y < 0] = 0
pos = x[x > 0]
(out.sum() + (y * x).sum() + (pos ** 2).sum()).backward()
""",
    "setting_a_saved_tensor": """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 2
z = y * y
y[0] = 5.0
z.sum().backward()
""",
    "setting_a_leaf": """import torch
w = torch.ones(3, requires_grad=True)
w[0] = 2.0
""",
    # a flag changed after ops used the tensor: those ops keep the flag they saw
    "requires_grad_after_use": """import torch
x = torch.ones(2)
y = x * 2
x.requires_grad_()
z = x * 3
(y + z).sum().backward()
w = torch.ones(2, requires_grad=True)
(w * 2).sum().backward()
w.requires_grad_(False)
v = w * 3
print(v.requires_grad)
""",
    "statistics_and_layout": """import torch
torch.manual_seed(0)
x = torch.randn(2, 4, requires_grad=True)
y = (x - x.mean(dim=-1, keepdim=True)) / (x.std(dim=-1, keepdim=True) + 1e-5)
v = x.var(unbiased=False) + torch.std(x, 0).sum()
p = x.reshape(2, 2, 2).permute(2, 0, 1)
b = torch.bmm(p, torch.ones(2, 2, 3))
((y * torch.arange(4.0)).sum() + v + b.sum()).backward()
""",
    "zero_and_fill": """import torch
b = torch.ones(3)
b.fill_(2.0)
x = torch.ones(3, requires_grad=True)
y = x * 2
z = y * y
y.zero_()
(z.sum() + (x * b).sum()).backward()
""",
    "dict_of_weights": """import torch
w = {'a': torch.tensor(1.0, requires_grad=True), 'b': torch.tensor(2.0, requires_grad=True)}
loss = w['a'] * w['b'] ** 2
for name in w:
    loss = loss + w[name]
loss = loss + sum(w.values())
print(list(w.keys()), len(w))
loss.backward()
a, b = w['a'], w['b']
""",
    "numpy_of_a_tensor_with_grad": """import torch
x = torch.ones(3, requires_grad=True)
print(x.detach().numpy())
y = x.numpy()
""",
    "view_of_a_transpose": """import torch
x = torch.ones(2, 3, requires_grad=True)
y = x.t().view(6)
""",
    "counting_into_a_tensor": """import torch
word_to_ix = {'a': 0, 'b': 1, 'c': 2}
vec = torch.zeros(len(word_to_ix))
for word in "a b a c".split():
    vec[word_to_ix[word]] += 1
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
out = torch.zeros(2)
out[0] += x[0] * 2
out[1] -= x[2]
(out.sum() + (x * vec).sum()).backward()
""",
    "print_draws_random": """import torch
torch.manual_seed(0)
def noisy(t):
    return t + torch.randn(t.shape)
x = torch.ones(3, requires_grad=True)
print(noisy(x))
w = torch.randn(3)
(x * w).sum().backward()
""",
    "relu_in_place": """import torch
x = torch.tensor([-1.0, 2.0, 3.0], requires_grad=True)
h = x * 2
h.relu_()
y = (h * h).sum()
y.backward()
""",
    "relu_in_place_of_a_saved_output": """import torch
x = torch.tensor([-1.0, 2.0, 3.0], requires_grad=True)
h = torch.sigmoid(x)
h.relu_()
y = h.sum()
y.backward()
""",
    "relu_in_place_after_a_use": """import torch
x = torch.tensor([-1.0, 2.0, 3.0], requires_grad=True)
h = x * 2
y = (h * h).sum()
h.relu_()
y.backward()
""",
    "relu_in_place_of_a_leaf": """import torch
x = torch.tensor([-1.0, 2.0, 3.0], requires_grad=True)
x.relu_()
""",
    "update_after_relu_in_place": """import torch
x = torch.tensor([-1.0, 2.0, 3.0], requires_grad=True)
h = x * 2
h.relu_()
h += 1
y = h.sum()
y.backward()
""",
    "in_place_activation_spellings": """import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)
x = torch.randn(4, 3, requires_grad=True)
model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(inplace=True), nn.Linear(5, 1))
out = model(x)
h = x * 3
F.leaky_relu(h, 0.1, True)
z = F.relu(x * 1.5, inplace=True)
e = torch.exp_(x * 0.5)
t = (x + 1).tanh_()
loss = out.sum() + h.sum() + z.sum() + e.sum() + t.sum()
loss.backward()
""",
    "autograd_grad_allow_unused": """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
w = torch.tensor([3.0, 4.0], requires_grad=True)
y = (x * x).sum()
gx, gw = torch.autograd.grad(y, [x, w], allow_unused=True, retain_graph=True)
print(gx, gw)
if gw is None:
    print("w is not used")
gx2, gw2 = torch.autograd.grad(y, (x, w), materialize_grads=True, retain_graph=True)
print(gw2)
(g,) = torch.autograd.grad(y, [w], allow_unused=True)
y.backward()
""",
    "materialize_with_allow_unused_false": """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x * x).sum()
g = torch.autograd.grad(y, [x], materialize_grads=True, allow_unused=False)
""",
    "grad_asserts_that_hold": """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x * x).sum()
y.backward()
assert torch.allclose(x.grad, 2 * x), "wrong"
assert x.grad is not None
g = x.grad
x.grad.zero_()
z = (x ** 3).sum()
z.backward()
assert torch.allclose(x.grad, 3 * x ** 2)
""",
    "grad_assert_that_fails": """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x * x).sum()
y.backward(retain_graph=True)
assert torch.equal(x.grad, torch.tensor([2.0, 4.0])), f"grad is {x.grad}"
y.backward()
assert x.grad[0].item() == 2.0, f"accumulated: {x.grad[0].item()}"
y.backward()
""",
    "through_detach_of_a_saved_output": """import torch
x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
y = x.exp()
z = y.detach()
z *= 2
y.sum().backward()
""",
    "through_detach_then_used": """import torch
x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
y = x ** 2
z = y.detach()
z += 1
print(y, z)
w = y * 3
(w * y).sum().backward()
""",
    "copy_through_detach": """import torch
x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
y = x * 2
y.detach().copy_(torch.ones(3))
print(y)
(y * y).sum().backward()
""",
    "through_detach_of_a_saved_input": """import torch
x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
y = x * 2
s = y * y
z = y.detach()
z -= 1
(s + y).sum().backward()
""",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name(SNIPPETS)


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_agrees_with_plain_torch(name: str, reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference[name]
    ours = engine_side(SNIPPETS[name])
    assert agrees(ours, theirs) is None, agrees(ours, theirs)
    if name in ("saved_output_changed", "saved_input_changed_twice", "broadcast_into_smaller",
                "assert_fails", "set_grad_enabled_call", "error_then_a_later_cell",
                "setting_a_saved_tensor", "setting_a_leaf", "zero_and_fill",
                "numpy_of_a_tensor_with_grad", "view_of_a_transpose",
                "relu_in_place_of_a_saved_output", "relu_in_place_after_a_use",
                "relu_in_place_of_a_leaf", "update_after_relu_in_place",
                "materialize_with_allow_unused_false", "grad_assert_that_fails",
                "through_detach_of_a_saved_output", "through_detach_of_a_saved_input"):
        assert theirs["error"] is not None  # the case is the error torch raises


def test_allow_unused_answers_for_the_used_inputs_only() -> None:
    """torch answers None for w (zeros with materialize_grads): the calls differentiate x,
    and their answers are torch's own for it."""
    import torch

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (want,) = torch.autograd.grad((x * x).sum(), [x])
    calls = engine_side(SNIPPETS["autograd_grad_allow_unused"])["calls"]
    grads = [c for c in calls if c["kind"] == "grad"]
    assert [c["call"] for c in grads] == ["torch.autograd.grad([y], [x], retain_graph=True)"] * 2
    assert all(c["results"] == {"x": want.tolist()} for c in grads)
    assert [c["kind"] for c in calls] == ["grad", "grad", "backward"]  # [w] alone: no call


def test_a_failing_assert_on_a_grad_stops_the_program_there(
        reference: dict[str, dict[str, Any]]) -> None:
    """torch's script stops at the assert: the third backward never runs, and the grads are
    those after the second (x.grad = 2x + 2x)."""
    ours = engine_side(SNIPPETS["grad_assert_that_fails"])
    assert [c["kind"] for c in ours["calls"]] == ["backward", "backward"]
    assert ours["error"]["type"] == "AssertionError" == reference[
        "grad_assert_that_fails"]["error"]["type"]
    assert ours["grads"]["x"] == [4.0, 8.0]
