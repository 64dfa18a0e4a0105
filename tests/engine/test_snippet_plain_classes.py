"""A plain class of the snippet's own (`class Model:`, `class Model(object):`) holding
tensors, read as Python runs it (engine/snippets/classes.py): __init__ makes its tensors,
methods are inlined with self bound, __call__ is called when the object is, and what
nn.Module would give it is Python's AttributeError or TypeError, against plain torch in a
subprocess."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'linear_regression_from_scratch': """import torch
torch.manual_seed(0)

class LinearRegression:
    def __init__(self, n):
        self.w = torch.zeros(n, 1, requires_grad=True)
        self.b = torch.zeros(1, requires_grad=True)

    def __call__(self, x):
        return x @ self.w + self.b

    def parameters(self):
        return [self.w, self.b]

model = LinearRegression(3)
X = torch.randn(10, 3)
y = X @ torch.tensor([[1.0], [2.0], [-1.0]])
for step in range(10):
    loss = ((model(X) - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
            p.grad.zero_()
print(model.w, loss, isinstance(model, torch.nn.Module))
""",
    'object_base_with_forward_and_a_flag_set_later': """import torch
torch.manual_seed(1)

class TwoLayer(object):
    scale = 0.1

    def __init__(self, d_in, d_hidden):
        self.w1 = torch.randn(d_in, d_hidden) * self.scale
        self.w2 = torch.randn(d_hidden, 1) * self.scale
        self.w1.requires_grad = True
        self.w2.requires_grad = True

    def forward(self, x):
        return torch.tanh(x @ self.w1) @ self.w2

    def loss(self, x, target):
        return ((self.forward(x) - target) ** 2).sum()

net = TwoLayer(4, 5)
x = torch.randn(6, 4)
net.loss(x, torch.ones(6, 1)).backward()
w1, w2 = net.w1, net.w2
print(type(net).__name__, w1.grad.shape)
""",
    'calling_an_object_without_call': """import torch

class Holder:
    def __init__(self):
        self.w = torch.ones(2, requires_grad=True)

h = Holder()
y = h(torch.ones(2))
""",
    'a_module_method_it_does_not_have': """import torch

class Holder:
    def __init__(self):
        self.w = torch.ones(2, requires_grad=True)

h = Holder()
(h.w * 3).sum().backward()
h.zero_grad()
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["calling_an_object_without_call"]["error"]["message"] == \
        "'Holder' object is not callable"
    assert reference["a_module_method_it_does_not_have"]["error"]["message"] == \
        "'Holder' object has no attribute 'zero_grad'"
    assert "TwoLayer torch.Size([4, 5])" in \
        reference["object_base_with_forward_and_a_flag_set_later"]["stdout"]
    assert reference["linear_regression_from_scratch"]["stdout"].strip().endswith("False")
