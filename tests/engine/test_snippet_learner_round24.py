"""Forms met in a round of unseen learner code, each against plain torch in a subprocess:
a tensor held in a dict, list or tuple and changed in place (an optimizer of the learner's
own keeps its momentum buffers in `self.state[id(p)]`: torch changes the tensor the dict
holds), an in-place call made before a .grad read in one statement
(`buf.mul_(0.9).add_(p.grad)`: made once, as Python makes it), and a view of numbers made
under torch.no_grad() from a tensor's own min and max. Also `f(**factory_kwargs)` of torch
functions and layers (device and dtype in a dict), torch.tensor of a range, and an
attribute updated in place (`self.w -= lr * self.w.grad`, `self.calls += 1`), and weights
bound to new tensors each step (`w = w - lr * w.grad`, then `w.requires_grad = True`) for
more steps than a document holds calls: each step is read as a training step."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    'momentum_buffers_in_a_dict_of_the_optimizer': """import torch
torch.manual_seed(0)

class sgd:
    def __init__(self, params, lr=0.01, momentum=0.0):
        self.params = list(params)
        self.lr = lr
        self.momentum = momentum
        self.state = {id(p): {'momentum_buffer': torch.zeros_like(p)} for p in self.params}

    def step(self):
        for p in self.params:
            grad = p.grad.data
            buf = self.state[id(p)]['momentum_buffer']
            buf.mul_(self.momentum)
            buf.add_(grad)
            p.data.add_(-self.lr * buf)

    def zero_grad(self):
        for p in self.params:
            if p.grad is not None:
                p.grad.zero_()

model = torch.nn.Linear(3, 1)
x = torch.randn(50, 3)
y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 2
optimizer = sgd(model.parameters(), lr=0.1, momentum=0.9)
for epoch in range(20):
    loss = torch.nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(loss.item())
""",
    'a_chained_in_place_update_before_the_grad_read': """import torch
p = torch.tensor([1.0, 2.0], requires_grad=True)
buf = torch.zeros_like(p)
for i in range(3):
    loss = (p ** 2).sum()
    loss.backward()
    buf.mul_(0.9).add_(p.grad)
    p.data.add_(-0.1 * buf)
    p.grad.zero_()
loss = (p ** 2).sum()
loss.backward()
print(p.grad, buf)
""",
    'a_list_and_a_tuple_hold_the_tensor_changed_in_place': """import torch
w = torch.tensor([1.0, -1.0, 0.5], requires_grad=True)
a = torch.ones(3)
b = torch.arange(3.0)
history = [a]
pair = (a, b)
a.mul_(3)
b += 1
loss = (w * history[0]).sum() + (w * pair[0] * pair[1]).sum()
loss.backward()
print(w.grad)
""",
    'a_view_of_a_range_made_under_no_grad': """import torch
ip = torch.linspace(-3, 3, 7).view(-1, 1)
w = torch.tensor([[2.0]], requires_grad=True)
with torch.no_grad():
    ip_range = torch.linspace(ip.min(), ip.max(), 5).view(-1, 1)
(ip_range @ w).pow(2).sum().backward()
print(w.grad)
""",
    'factory_keywords_spread_from_a_dict': """import torch
torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
factory_kwargs = {'device': device, 'dtype': torch.float64}
x = torch.tensor(range(1, 4), dtype=torch.float64, requires_grad=True)
fc = torch.nn.Linear(3, 2, bias=False, **factory_kwargs)
inputs = torch.randn(4, 3, **factory_kwargs)
loss = (fc(inputs * x) ** 2).mean()
loss.backward()
print(x.grad, fc.weight.grad, x.dtype)
""",
    'attributes_updated_in_place': """import torch
import torch.nn as nn
torch.manual_seed(0)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return self.fc(x)

class Tracker:
    def __init__(self):
        self.total = torch.zeros(1)
        self.count = 0

model = Net()
track = Tracker()
x = torch.randn(8, 2)
y = x.sum(dim=1, keepdim=True)
for step in range(4):
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        model.fc.weight -= 0.1 * model.fc.weight.grad
        model.fc.bias -= 0.1 * model.fc.bias.grad
    model.fc.weight.grad.zero_()
    model.fc.bias.grad.zero_()
    track.total += loss.detach()
    track.count += 1
loss = ((model(x) - y) ** 2).mean()
loss.backward()
print(model.calls, track.count, track.total, model.fc.weight.grad)
""",
    'a_plain_class_updates_its_own_weights': """import torch

class RegressionModel:
    def __init__(self):
        self.w = torch.tensor(1.0, requires_grad=True)
        self.b = torch.tensor(1.0, requires_grad=True)

    def forward(self, xj):
        return self.w * xj + self.b

    def update(self, learning_rate):
        with torch.no_grad():
            self.w -= learning_rate * self.w.grad
            self.b -= learning_rate * self.b.grad

    def reset_grad(self):
        self.w.grad.zero_()
        self.b.grad.zero_()

x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
model = RegressionModel()
for epoch in range(10):
    loss = 0.0
    for i in range(len(x)):
        loss += (y[i] - model.forward(x[i])) ** 2
    loss = loss / len(x)
    loss.backward()
    model.update(torch.tensor(0.001))
    model.reset_grad()
loss = ((y - model.forward(x)) ** 2).mean()
loss.backward()
print(model.w.item(), model.w.grad)
""",
    'weights_bound_again_each_step_for_many_steps': """import torch
torch.manual_seed(0)
x = torch.rand(20, 1) * 5
y_obs = 2.3 + 5.1 * x + 0.2 * torch.randn(20, 1)
w = torch.randn(1, requires_grad=True)
b = torch.randn(1, requires_grad=True)
for i in range(300):
    mse = torch.mean((w * x + b - y_obs) ** 2)
    mse.backward()
    with torch.no_grad():
        w = w - 0.01 * w.grad
        b = b - 0.01 * b.grad
    w.requires_grad = True
    b.requires_grad = True
loss = torch.mean((w * x + b - y_obs) ** 2)
loss.backward()
print(w, b, w.grad)
""",
    'weights_detached_into_new_leaves': """import torch
torch.manual_seed(0)
X = torch.randn(10, 3)
y = X @ torch.tensor([1.0, -1.0, 2.0])
w = torch.zeros(3, requires_grad=True)
losses = []
for epoch in range(150):
    loss = ((X @ w - y) ** 2).mean()
    loss.backward()
    losses.append(loss.item())
    w = (w - 0.05 * w.grad).detach().requires_grad_()
final = ((X @ w - y) ** 2).mean()
final.backward()
print(losses[-1], w.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    # with momentum the last gradient is not the one plain steps of 0.1 leave (0.8³ · 2p)
    chained = reference["a_chained_in_place_update_before_the_grad_read"]["grads"]["p"]
    assert abs(chained[0] - 0.124) < 1e-4 and abs(chained[0] - 1.024) > 0.5
    # a is 3 everywhere and b is (1, 2, 3) wherever they are held: 3 + 3 * b
    assert reference["a_list_and_a_tuple_hold_the_tensor_changed_in_place"]["grads"]["w"] == \
        [6.0, 9.0, 12.0]
    assert reference["a_view_of_a_range_made_under_no_grad"]["grads"]["w"] == [[90.0]]
    spread = reference["factory_keywords_spread_from_a_dict"]
    assert spread["error"] is None and len(spread["grads"]["x"]) == 3
    assert spread["stdout"].rstrip().endswith("torch.float64")
    assert reference["attributes_updated_in_place"]["stdout"].startswith("5 4 tensor([4.0")
    # ten steps from w = 1 moved w (the update reached the attribute's tensor)
    moved = float(reference["a_plain_class_updates_its_own_weights"]["stdout"].split()[0])
    assert moved > 5.0
    # the loops ran all their steps: far from where they started
    assert reference["weights_bound_again_each_step_for_many_steps"]["error"] is None
    assert reference["weights_detached_into_new_leaves"]["error"] is None
    assert float(reference["weights_detached_into_new_leaves"]["stdout"].split()[0]) < 0.5


def test_a_loop_binding_new_weights_shows_its_last_step() -> None:
    from engine.snippets.reader import import_snippet

    doc = import_snippet(SNIPPETS["weights_bound_again_each_step_for_many_steps"])
    assert doc.description.startswith("A training loop: 300 weight updates")
    # the last step's graph and the fresh weights, not three hundred graphs
    assert sum(1 for n in doc.leaves() if n.requires_grad) == 4
    assert len(doc.calls) == 1


def test_weights_bound_again_with_grad_on_are_one_graph_not_steps() -> None:
    # w = w - lr * w.grad outside no_grad: the new w's graph goes back through the old one,
    # so no step ends there; each computed w's .grad is the one its retain_grad() kept, and
    # the first w, a leaf no name holds at the end, adds up every backward call
    import torch

    code = """import torch
torch.manual_seed(0)
x = torch.rand(10)
y = 0.3 * x + 0.5
w = torch.rand(1, requires_grad=True)
b = torch.rand(1, requires_grad=True)
loss = ((w * x + b - y) ** 2).mean()
loss.backward()
for epoch in range(3):
    loss = ((x * w + b - y) ** 2).mean()
    w.retain_grad()
    b.retain_grad()
    loss.backward()
    w = w - 0.1 * w.grad
    b = b - 0.1 * b.grad
"""
    torch.manual_seed(0)  # plain torch, holding the first leaves the script lets go of
    x = torch.rand(10)
    y = 0.3 * x + 0.5
    w = first_w = torch.rand(1, requires_grad=True)
    b = first_b = torch.rand(1, requires_grad=True)
    ((w * x + b - y) ** 2).mean().backward()
    for _ in range(3):
        loss = ((x * w + b - y) ** 2).mean()
        w.retain_grad()
        b.retain_grad()
        loss.backward()
        w = w - 0.1 * w.grad
        b = b - 0.1 * b.grad
    assert first_w.grad is not None and first_b.grad is not None
    ours = engine_side(code)["grads"]
    assert ours["w"] == pytest.approx(first_w.grad.tolist(), rel=1e-5)
    assert ours["b"] == pytest.approx(first_b.grad.tolist(), rel=1e-5)
