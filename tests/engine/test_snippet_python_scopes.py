"""Python's scopes and builtins as learners use them, read as Python runs them (plain torch
in a subprocess): `global` in an update function, `nonlocal` in a closure that counts its
calls, getattr/hasattr/setattr by a written name, divmod/pow/set, and min/max with key=."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    "a_global_learning_rate": """import torch
LR = 0.1
STEPS = 0
def update(w):
    global LR, STEPS
    LR *= 0.5
    STEPS += 1
    with torch.no_grad():
        w -= LR * w.grad
w = torch.tensor([1.0, -1.0], requires_grad=True)
for _ in range(3):
    (w ** 2).sum().backward()
    update(w)
    w.grad.zero_()
assert STEPS == 3 and LR == 0.0125
(w ** 3).sum().backward()
""",
    "a_closure_counting_its_calls": """import torch
def make_scaler():
    count = 0
    def scale(x):
        nonlocal count
        count += 1
        return x * count
    return scale
f = make_scaler()
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = f(x) + f(x) + f(x)
y.sum().backward()
""",
    "builtins_by_name": """import torch
import torch.nn as nn
torch.manual_seed(0)
net = nn.Linear(2, 2)
weight = getattr(net, "weight")
assert hasattr(net, "bias") and hasattr(weight, "grad")
q, r = divmod(17, 5)
p = pow(2, 3)
seen = {1, 2, 2, 3}
best = max([(0.3, 1.0), (0.9, 3.0), (0.9, 5.0)], key=lambda t: t[0])
least = min(4.0, 2.0, 3.0, key=lambda v: abs(v - 2.5))
x = torch.randn(3, 2)
out = (net(x) * q + r * p + len(seen) * best[1] * least).sum() + (weight ** 2).sum()
out.backward()
""",
}


reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    for name in SNIPPETS:
        assert reference[name]["error"] is None, name
    # the closure multiplies by 1, 2, 3 on its three calls: d/dx = 6
    assert reference["a_closure_counting_its_calls"]["grads"]["x"] == [6.0, 6.0]


@pytest.mark.parametrize(("line", "refusal"), [
    ("getattr(x, '__class__')", "getattr is read with a public attribute's name"),
    ("nonlocal_free = 1\ndef f():\n    nonlocal nothing\n    return 1\nf()",
     "no binding for nonlocal 'nothing' found"),
])
def test_what_would_reach_outside_is_refused(line: str, refusal: str) -> None:
    refused = engine_side(f"import torch\nx = torch.ones(2)\n{line}\n")
    assert refusal in refused.get("refused", ""), refused
