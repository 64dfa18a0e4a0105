"""A learner script's set-up lines and Python's random module, read as plain torch runs them
(in a subprocess): seeding helpers that also seed CUDA and set cudnn flags, accelerator
checks that find none (as on a CPU-only machine), `torch.set_default_device('cpu')`, and
`random.seed/randint/shuffle/choice/...`, whose numbers are CPython's for the same seed (the
official tutorial's dynamic net picks its depth with random.randint)."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    "a_seed_everything_helper": """import random
import numpy as np
import torch
def set_seed(seed=42):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
set_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
x = torch.randn(3, requires_grad=True, device=device)
noise = torch.tensor(np.random.rand(3), dtype=torch.float32)
y = (x ** 2 + noise * x).sum() * random.random()
y.backward()
""",
    "an_accelerator_check": """import torch
import math
torch.manual_seed(0)
device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
mps = "mps" if torch.backends.mps.is_available() else "cpu"
torch.set_default_device(device)
torch.use_deterministic_algorithms(True)
x = torch.linspace(-math.pi, math.pi, 20)
a = torch.randn((), requires_grad=True)
b = torch.randn((), requires_grad=True)
loss = (a + b * x - torch.sin(x)).pow(2).sum()
loss.backward()
""",
    "python_random_draws": """import random
import torch
random.seed(1)
xs = [random.uniform(-1, 1) for _ in range(5)]
idx = list(range(5))
random.shuffle(idx)
k = random.randint(1, 3)
c = random.choice([1.0, 2.0, 3.0])
w = torch.tensor(0.5, requires_grad=True)
x = torch.tensor(xs)[idx]
loss = (w * x * k * c + random.random()).pow(2).sum() + random.gauss(0, 1) * w
loss.backward()
""",
    "a_depth_drawn_per_step": """import random
import torch
random.seed(3)
torch.manual_seed(0)
e = torch.nn.Parameter(torch.randn(()))
a = torch.nn.Parameter(torch.randn(()))
x = torch.linspace(-1, 1, 7)
opt = torch.optim.SGD([a, e], lr=0.01, momentum=0.9)
for t in range(6):
    y = a * x
    for exp in range(4, random.randint(4, 6)):
        y = y + e * x ** exp
    loss = (y - torch.sin(x)).pow(2).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
}


reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    import random

    for name in SNIPPETS:
        assert reference[name]["error"] is None, name
        assert all(g is not None for g in reference[name]["grads"].values()), name
    # the shuffled order and the draws are CPython's own for seed 1
    rng = random.Random(1)
    xs = [rng.uniform(-1, 1) for _ in range(5)]
    idx = list(range(5))
    rng.shuffle(idx)
    k, c, r = rng.randint(1, 3), rng.choice([1.0, 2.0, 3.0]), rng.random()
    g = rng.gauss(0, 1)
    want = sum(2 * (0.5 * xs[i] * k * c + r) * xs[i] * k * c for i in idx) + g
    assert reference["python_random_draws"]["grads"]["w"] == pytest.approx(want, rel=1e-5)


@pytest.mark.parametrize(("line", "refusal"), [
    ("random.shuffle(torch.ones(3))", "random.shuffle is read on a list"),
    ("random.betterrandom()", "random.betterrandom is not supported"),
])
def test_what_is_not_read_is_refused_by_name(line: str, refusal: str) -> None:
    refused = engine_side(f"import random\nimport torch\n{line}\n")["refused"]
    assert refusal in refused


def test_pythons_own_error_is_raised_where_the_script_stops() -> None:
    ours = engine_side("import random\nimport torch\nk = random.randint(5, 1)\n")
    assert ours["error"]["type"] == "ValueError"
    assert "empty range" in ours["error"]["message"]
