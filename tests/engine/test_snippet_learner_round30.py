"""Forms met in a round of unseen learner code, each against plain torch in a subprocess:
type hints with `typing` names and an unused `from statistics import mode` (an editor's
auto-import), the deprecated `torch.range` (its end included), `os.environ[...] = "..."`
before torch loads, `x.__class__` and a backward node's `_saved_self` shown in a print, and
`raise ValueError(...)` reached in an input check (an except around it takes it); a copy of a
.grad's numbers (`x.grad.item()`, `.clone()`) computed with later, which later calls leave as
it was (a leaf made again each step from the last one's numbers)."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    'type_hints_and_an_unused_import': """from typing import List, Optional
from statistics import mode
import torch

def energy(positions: torch.Tensor, weights: Optional[List[float]] = None) -> torch.Tensor:
    grad_outputs: Optional[List[torch.Tensor]] = None
    return (positions ** 2).sum() * (1.0 if weights is None else sum(weights))

p = torch.tensor([[1.0, 2.0], [3.0, -1.0]], requires_grad=True)
e = energy(p, [0.5, 1.5])
e.backward()
print(p.grad)
""",
    'torch_range_includes_its_end': """import torch
x = torch.range(1, 4, requires_grad=True)
w = torch.range(0, 1, 0.25)
y = (x * w[1:] + x ** 2).sum()
y.backward()
print(x.grad, x.dtype)
""",
    'an_environment_switch_and_classes_shown': """import os
os.environ['KMP_DUPLICATE_LIB_OK'] = 'True'
import torch
x = torch.tensor([1.2, 3.0], requires_grad=True)
a = torch.tensor([10.2], requires_grad=True)
y = x * a
print(y.grad_fn.__class__, x.__class__.__name__)
print(y.grad_fn._saved_self is x, y.grad_fn._saved_other)
y.sum().backward()
""",
    'an_input_check_that_raises': """import torch

def compute_forces(energy, positions):
    gradient = torch.autograd.grad(energy, positions, create_graph=True)[0]
    if gradient is None:
        raise ValueError("Unexpected None value for computed gradient.")
    return -gradient

def check(x):
    if x.dim() != 1:
        raise ValueError(f"expected a vector, got {x.dim()} dims")
    return x

positions = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
forces = compute_forces((positions ** 3).sum(), positions)
try:
    check(positions)
except ValueError as e:
    print("caught:", e)
forces.sum().backward()
print(positions.grad)
check(positions)
""",
    'a_leaf_made_again_each_step_from_a_number_of_its_grad': """import torch
x = -2
for i in range(30):
    x = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = (x - 2) ** 2 + torch.sin(x)
    y.backward(retain_graph=True)
    x_grad = x.grad.item()
    x = x - 0.05 * x_grad
print(x)
""",
    'a_copy_of_a_grad_keeps_its_numbers': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
(w * w).sum().backward()
g = w.grad.clone()
(w * 3).sum().backward()
z = (g * w).sum()
z.backward()
print(g, w.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["type_hints_and_an_unused_import"]["grads"]["p"] == [[4.0, 8.0],
                                                                         [12.0, -4.0]]
    assert reference["torch_range_includes_its_end"]["grads"]["x"] == [2.25, 4.5, 6.75, 9.0]
    assert reference["a_copy_of_a_grad_keeps_its_numbers"]["grads"]["w"] == [7.0, 11.0]
    raised = reference["an_input_check_that_raises"]
    assert raised["error"]["type"] == "ValueError" and "got 2 dims" in raised["error"]["message"]
    assert raised["grads"]["positions"] == [[-6.0, -12.0, -18.0], [-24.0, -30.0, -36.0]]


def test_what_stays_refused_says_why() -> None:
    saved = engine_side("import torch\nx = torch.ones(2, requires_grad=True)\ny = x.sin()\n"
                        "s = y.grad_fn._saved_self * 2\n")["refused"]
    assert "._saved_self of a backward node is not read" in saved
    other = engine_side("import torch\nclass Oops(Exception):\n    pass\n"
                        "raise Oops('no')\n")["refused"]
    assert "is read with one of Python's errors" in other
    hostile = engine_side("import torch\nprint(torch.ones(1).__class__.__bases__)\n")["refused"]
    assert "__bases__ reaches outside torch" in hostile
