"""Forms met in unseen learner code, each against plain torch in a subprocess: points drawn
from a `random.Random(SEED)` of the script's own (uniform, gauss, randint, choice), as
CPython draws them; `import torch.cuda as cuda` and `from torch.cuda import is_available`
answering as torch does on a machine without CUDA."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'points_drawn_from_an_own_random_generator': """import torch
from random import Random
import random
SEED = 7
gen = Random(SEED)
other = random.Random(SEED + 1)
xs = [gen.uniform(0, 1.) for _ in range(4)]
ys = [gen.gauss(0, 1) + other.random() for _ in range(4)]
k = gen.randint(1, 5)
pick = gen.choice([1.0, 2.0, 3.0])
x = torch.tensor(xs, requires_grad=True)
y = torch.tensor(ys)
loss = ((x * k * pick - y) ** 2).mean()
loss.backward()
print(x.grad, k, pick)
""",
    'torch_cuda_imported_and_asked': """import torch
import torch.cuda as cuda
from torch.cuda import is_available
print(cuda.is_available(), is_available(), torch.cuda.is_available())
device = "cuda" if cuda.is_available() else "cpu"
cuda.manual_seed_all(0)
x = torch.ones(2, requires_grad=True, device=device)
(x * 3).sum().backward()
print(x.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    drawn = reference["points_drawn_from_an_own_random_generator"]
    assert drawn["stdout"].startswith("tensor([ 0.5136, -0.2991, -0.2937, -0.5283]) 1 1.0")
    assert reference["torch_cuda_imported_and_asked"]["stdout"] == \
        "False False False\ntensor([3., 3.])\n"
