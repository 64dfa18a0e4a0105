"""A `def` with `yield` read as the items it yields (engine/snippets/generators.py): d2l's
from-scratch `data_iter` (indices shuffled by Python's random before the first yield, one batch
per yield) driving a training loop, a generator's one pass and its TypeError for len(), and the
refusal of a generator that draws random numbers between its items (reading it whole at the
call would change the order of the draws). Each against plain torch in a subprocess."""

from __future__ import annotations

import random
from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import engine_side

D2L = """import random
import torch
torch.manual_seed(0)
random.seed(0)
features = torch.normal(0, 1, (40, 2))
labels = features @ torch.tensor([[2.0], [-3.4]]) + 4.2
def data_iter(batch_size, features, labels):
    num_examples = len(features)
    indices = list(range(num_examples))
    random.shuffle(indices)
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(indices[i: min(i + batch_size, num_examples)])
        yield features[batch_indices], labels[batch_indices]
def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()
w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)
b = torch.zeros(1, requires_grad=True)
for epoch in range(3):
    for X, y in data_iter(10, features, labels):
        l = (X @ w + b - y) ** 2 / 2
        l.sum().backward()
        sgd([w, b], 0.03, 10)
noise = torch.randn(2)
final = ((features @ w + b - labels) ** 2).mean() + (noise * noise).sum() * b.sum()
final.backward()
print(w, b, noise)
"""
SNIPPETS = {
    'd2l_data_iter_training': D2L,
    'one_pass_of_a_generator': """import torch
def pairs(xs):
    for a in xs:
        yield a, a * 2
x = torch.tensor([1.0, -2.0], requires_grad=True)
items = pairs(torch.tensor([3.0, 0.5]))
total = sum(x * a * b for a, b in items)
again = [a for a, _ in items]
total.sum().backward()
print(len(again), x.grad)
""",
    'len_of_a_generator': """import torch
def gen(n):
    for i in range(n):
        yield torch.tensor(float(i))
n = len(gen(3))
""",
    'display_is_no_script_builtin': """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
(x * x).sum().backward()
display(x.grad)
""",
    'next_and_iter_of_a_generator': """import torch
def gen():
    for i in range(3):
        yield torch.tensor(float(i + 1))
g = gen()
x = torch.tensor(2.0, requires_grad=True)
a = next(g)
b = next(iter(g))
c = next(g)
d = next(g, torch.tensor(5.0))
(x * (a + b * 10 + c * 100 + d * 1000)).backward()
e = next([1, 2])
""",
}
RANDOM_BETWEEN = """import random
import torch
def gen(n):
    for i in range(n):
        yield torch.tensor(random.random())
x = torch.tensor(2.0, requires_grad=True)
total = x * 0
for t in gen(3):
    total = total + t * x * random.random()
total.backward()
"""

COMPUTED_WITH_GRAD = """import torch
w = torch.tensor(1.0, requires_grad=True)
def predictions(xs):
    for x in xs:
        yield x * w
for p in predictions([1.0, 2.0]):
    p.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
"""

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["len_of_a_generator"]["error"]["type"] == "TypeError"
    assert reference["display_is_no_script_builtin"]["error"]["type"] == "NameError"


def test_d2l_batches_are_the_shuffled_ones_torch_trains_on() -> None:
    ours = engine_side(D2L)
    torch.manual_seed(0)
    random.seed(0)
    features = torch.normal(0, 1, (40, 2))
    labels = features @ torch.tensor([[2.0], [-3.4]]) + 4.2
    w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    for _ in range(3):
        indices = list(range(40))
        random.shuffle(indices)
        for i in range(0, 40, 10):
            batch = torch.tensor(indices[i:i + 10])
            ((features[batch] @ w + b - labels[batch]) ** 2 / 2).sum().backward()
            with torch.no_grad():
                for p in (w, b):
                    assert p.grad is not None
                    p -= 0.03 * p.grad / 10
                    p.grad.zero_()
    noise = torch.randn(2)
    (((features @ w + b - labels) ** 2).mean() + (noise * noise).sum() * b.sum()).backward()
    assert w.grad is not None and b.grad is not None
    assert torch.allclose(torch.tensor(ours["grads"]["w"]), w.grad, rtol=1e-4)
    assert ours["grads"]["b"] == pytest.approx(b.grad.tolist(), rel=1e-4)


def test_a_generator_drawing_between_its_items_is_refused() -> None:
    refused = engine_side(RANDOM_BETWEEN)["refused"]
    assert refused.startswith("line 8, column 10: gen draws random numbers between the batches")


def test_a_second_pass_over_a_generator_is_empty() -> None:
    ours = engine_side(SNIPPETS["one_pass_of_a_generator"])
    assert ours["grads"]["x"] == pytest.approx([3.0 * 6.0 + 0.5 * 1.0] * 2)


def test_a_generator_computing_with_the_weights_is_refused() -> None:
    refused = engine_side(COMPUTED_WITH_GRAD)["refused"]
    assert "a generator whose items are computed with a gradient is not read" in refused


def test_next_walks_a_generator_and_refuses_a_list_as_python_does() -> None:
    ours = engine_side(SNIPPETS["next_and_iter_of_a_generator"])
    assert ours["grads"]["x"] == pytest.approx(1 + 20 + 300 + 5000)
    assert ours["error"]["message"] == "'list' object is not an iterator"
