"""Forms met in unseen learner code, each against plain torch in a subprocess: a
TensorDataset of labels computed before the training loop (its DataLoader drawn again each
epoch, after the weights were updated); a def's default number used again after a step (the
number's node had left the graph with the step's); `w.retain_grad = True`, which Python sets
as the tensor's own attribute over the method (calling it then is Python's TypeError);
functorch's older make_functional, its params new parameters of the model's numbers, under
vmap; torch.heaviside as a layer's activation (forward as torch computes it, backward torch's
error: it has no derivative); callable() and `fn: callable`; types and unittest imported by
a file of helpers, and unittest.main() refused as the test runner it is; a backward of a
result computed under no_grad, which raises, before a form that is not read (torch.argmax
of a tensor that requires grad): the script stops at the backward, never reaching it."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests

from engine.snippets.reader import ImportError_, import_snippet

SNIPPETS = {
    'a_data_set_computed_before_the_loop_kept_through_its_steps': """import torch
from torch import nn
import torch.utils.data as Data
torch.manual_seed(0)
features = torch.randn(20, 2)
labels = torch.mm(features, torch.tensor([3.4, 2.1]).view(-1, 1)) + 5.2
labels += torch.normal(0, 0.01, size=labels.shape)
data_iters = Data.DataLoader(Data.TensorDataset(features, labels), 5, shuffle=True)
net = nn.Linear(2, 1)
loss = nn.MSELoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.03)
for epoch in range(2):
    for x, labels in data_iters:
        l = loss(net(x), labels)
        l.backward()
        optimizer.step()
        net.zero_grad()
    print(epoch, l.item())
print(net.weight)
""",
    'a_defaults_number_used_again_after_a_step': """import torch
class P:
    def __init__(self, n):
        self.w = torch.rand(n)
    def ff(self, x):
        return torch.tensor(1.0) if torch.sum(x * self.w) >= 0 else torch.tensor(0.0)
    def train(self, x, t, lr=0.1):
        out = self.ff(x)
        e = t - out
        self.w += e * x * lr
p = P(2)
xs = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
ts = torch.tensor([0.0, 1.0])
for x, t in zip(xs, ts):
    p.train(x, t)
print(p.w)
""",
    'a_method_name_set_as_an_attribute_of_a_tensor': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
w.retain_grad = True
print(w.retain_grad)
y = (w * 3).sum()
y.backward()
print(w.grad)
w.retain_grad()
""",
    'functorch_make_functional_under_vmap': """import torch
from torch import nn
from functorch import make_functional, grad, vmap
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(1, 4), nn.Tanh(), nn.Linear(4, 1))
fmodel, params = make_functional(model)
def f(x, params):
    return fmodel(params, x.unsqueeze(0)).squeeze(0)
x = torch.linspace(0, 1, 5).reshape(-1, 1)
u = vmap(f, in_dims=(0, None))(x, params)
loss = (u ** 2).mean()
loss.backward()
print(params[0].grad, model[0].weight.grad)
""",
    'a_heaviside_step_as_a_layers_activation': """import torch
import torch.nn as nn
torch.manual_seed(0)
class P(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(2, 1)
        self.nonlin_1 = torch.heaviside
    def forward(self, x):
        return self.nonlin_1(self.layer1(x), torch.tensor(0.))
net = P()
x = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
out = net(x)
print(out, out.requires_grad)
h = torch.heaviside(torch.tensor([-1.0, 0.0, 2.0]), torch.tensor([0.5]))
print(h, x.heaviside(torch.tensor(1.0)))
loss = ((out - 1) ** 2).mean()
loss.backward()
""",
    'callable_in_an_annotation_and_a_call': """import torch
def f(x: torch.Tensor, fn: callable) -> torch.Tensor:
    return fn(x) * 2
m = torch.nn.Linear(2, 1)
print(callable(f), callable(m), callable(torch.sin), callable(3), callable(torch.ones(1)))
x = torch.ones(2, requires_grad=True)
y = f(x, torch.sin).sum()
y.backward()
print(x.grad)
""",
    'types_imported_by_a_module_of_helpers': """import torch
import types
import unittest
def double(x):
    return x * 2
x = torch.tensor([1.0, 3.0], requires_grad=True)
double(x).sum().backward()
print(x.grad)
""",
    'a_backward_that_raises_before_a_form_not_read': """import torch.nn as nn

import torch
from torch import nn, Tensor
from torch.autograd import Variable


class MultiplyModule(nn.Module):
    def forward(self, x1, x2):
        return x1 * x2


t1 = Variable(Tensor([3]), requires_grad=False)
t2 = Variable(Tensor([5]), requires_grad=True)

add_module = MultiplyModule()
add_module.register_full_backward_hook(lambda m, x, y: print('In backward hook', x, y))

with torch.no_grad():
    t3 = add_module(t1, t2)
t3.backward()

import torch


class ArgMax(torch.nn.Module):
    def forward(self, x):
        return torch.argmax(x)


x = torch.rand((2, 3), requires_grad=True)

m = ArgMax()
m.register_full_backward_hook(lambda m, x, y: print('In backward hook', x, y))

t = m(x)
t.backward()
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["a_data_set_computed_before_the_loop_kept_through_its_steps"][
        "stdout"].count("\n") == 4  # two epochs' losses, then the weight's two lines
    assert reference["a_defaults_number_used_again_after_a_step"]["stdout"].startswith(
        "tensor([")
    shadowed = reference["a_method_name_set_as_an_attribute_of_a_tensor"]
    assert shadowed["stdout"] == "True\ntensor([3., 3.])\n"
    assert shadowed["error"]["message"] == "'bool' object is not callable"
    # params are copies: the model's own weight gets no gradient
    assert reference["functorch_make_functional_under_vmap"]["stdout"].endswith(" None\n")
    assert "derivative for aten::heaviside is not implemented" in reference[
        "a_heaviside_step_as_a_layers_activation"]["error"]["message"]
    assert reference["callable_in_an_annotation_and_a_call"]["stdout"].startswith(
        "True True True False False\n")

    stopped = reference["a_backward_that_raises_before_a_form_not_read"]
    assert stopped["error"]["message"].startswith("element 0 of tensors does not require grad")
    assert "In backward hook" not in stopped["stdout"]


def test_a_test_runner_is_refused_as_such() -> None:
    with pytest.raises(ImportError_, match=r"line 3, column 1: unittest.main\(\): a test "
                       r"runner \(unittest\) runs the test methods it finds, outside the "
                       r"computation Gradflow reads"):
        import_snippet("import torch\nimport unittest\nunittest.main()\n")
