"""Forms met in unseen learner code, each against plain torch in a subprocess: a weight
scaled in place under no_grad and back again after a graph used it (an exercise checking that
predictions double), with no backward through that graph; a micrograd-style scalar Value class
whose operators (`__add__`, `__rmul__`, `__neg__`, `__pow__`...) build its own graph, checked
against torch's."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import engine_side

_VALUE = '''import math
import torch
class Value:
    def __init__(self, data, _children=(), _op=''):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op
    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), '+')
        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out
    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), '*')
        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out
    def __pow__(self, other):
        assert isinstance(other, (int, float))
        out = Value(self.data ** other, (self,), f'**{other}')
        def _backward():
            self.grad += (other * self.data ** (other - 1)) * out.grad
        out._backward = _backward
        return out
    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), 'tanh')
        def _backward():
            self.grad += (1 - t ** 2) * out.grad
        out._backward = _backward
        return out
    def backward(self):
        topo = []
        visited = set()
        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)
        build_topo(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()
    def __neg__(self):
        return self * -1
    def __radd__(self, other):
        return self + other
    def __sub__(self, other):
        return self + (-other)
    def __rmul__(self, other):
        return self * other
    def __truediv__(self, other):
        return self * other ** -1
    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"
'''

SNIPPETS = {
    'weights_doubled_and_halved_in_a_check': """import torch
torch.manual_seed(0)
inputs = torch.tensor([[73., 67., 43.], [91., 88., 64.]])
targets = torch.tensor([[56., 70.], [81., 101.]])
w = torch.randn(2, 3, requires_grad=True)
b = torch.randn(2, requires_grad=True)
def model(x):
    return x @ w.t() + b
def check():
    global w, b
    preds = model(inputs)
    with torch.no_grad():
        w *= 2
        b *= 2
        preds2 = model(inputs)
        w /= 2
        b /= 2
    print(torch.allclose(preds2, 2 * preds))
check()
preds = model(inputs)
loss = torch.mean((preds - targets) ** 2)
loss.backward()
with torch.no_grad():
    w -= w.grad * 1e-5
    b -= b.grad * 1e-5
    w.grad.zero_()
    b.grad.zero_()
loss = torch.mean((model(inputs) - targets) ** 2)
loss.backward()
print(loss.item(), w.grad)
""",
    'a_weight_scaled_in_a_function_without_global': """import torch
w = torch.ones(2, requires_grad=True)
(w * 3).sum().backward()
def check():
    p = w * 2
    with torch.no_grad():
        w *= 2
    print(p)
check()
""",
    'a_neuron_of_scalar_values_against_torch': _VALUE + """
x1 = Value(2.0); x2 = Value(0.0)
w1 = Value(-3.0); w2 = Value(1.0)
b = Value(6.8813735870195432)
o = (x1 * w1 + x2 * w2 + b).tanh()
o.backward()
print(x1, w1, w2)
t1 = torch.tensor([2.0], dtype=torch.double, requires_grad=True)
tw1 = torch.tensor([-3.0], dtype=torch.double, requires_grad=True)
t2 = torch.tensor([0.0], dtype=torch.double, requires_grad=True)
tw2 = torch.tensor([1.0], dtype=torch.double, requires_grad=True)
to = torch.tanh(t1 * tw1 + t2 * tw2 + 6.8813735870195432)
to.backward()
carried = torch.tensor([x1.grad, w1.grad, w2.grad], requires_grad=True)
(carried * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
print(t1.grad, tw1.grad.item(), tw2.grad.item())
""",
    'the_operators_of_a_scalar_value': _VALUE + """
a = Value(-4.0)
b = Value(2.0)
c = a + b
d = a * b + b ** 3
c += c + 1
c += 1 + c + (-a)
e = c - d
f = e ** 2
g = f / 2.0
g += 2 * f
g.backward()
x = torch.tensor([a.grad, b.grad], requires_grad=True)
(x * x).sum().backward()
print(f'{g.data:.4f}', x.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["weights_doubled_and_halved_in_a_check"]["stdout"].startswith("True")
    assert reference["a_weight_scaled_in_a_function_without_global"]["error"]["type"] == \
        "UnboundLocalError"  # w is local to check: Python raises at `p = w * 2`
    neuron = reference["a_neuron_of_scalar_values_against_torch"]["grads"]
    # the Value class's own gradients match torch's: dL/dx1 = w1 * (1 - tanh²) = -1.5
    assert neuron["t1"][0] == pytest.approx(-1.5) and neuron["tw1"][0] == pytest.approx(1.0)
    assert neuron["carried"] == [1.0, 2.0, 3.0]  # a torch leaf's .grad: not the Values'


def test_the_values_gradients_reach_a_torch_leaf() -> None:
    """The document's leaf made of the Values' .grad holds micrograd's numbers."""
    ours = engine_side(SNIPPETS["the_operators_of_a_scalar_value"])
    a_grad, b_grad = (g / 2 for g in ours["grads"]["x"])
    a = torch.tensor(-4.0, requires_grad=True)
    b = torch.tensor(2.0, requires_grad=True)
    c = a + b
    d = a * b + b ** 3
    c = c + c + 1
    c = c + 1 + c + (-a)
    f = (c - d) ** 2
    (f / 2.0 + 2 * f).backward()
    assert a_grad == pytest.approx(a.grad.item()) and b_grad == pytest.approx(b.grad.item())
