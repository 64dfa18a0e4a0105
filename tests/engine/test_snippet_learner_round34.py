"""Forms met in a round of unseen learner code, each against plain torch in a subprocess:
`import torch.nn.init as init` and `from torch.nn.init import xavier_uniform_` (read as
torch.nn.init's functions are), and the imports of a research script's set-up that nothing
computes with (`import argparse`, `from pathlib import Path`): harmless where unused, and
refused where used, saying why; numpy's polynomial coefficients (np.polyfit, np.polyval,
np.polynomial.polynomial.polyfromroots) used as constants; starting weights drawn with
torch.distributions.Uniform(low, high).sample(shape), the same numbers as torch's."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    'init_imported_as_a_module': """import argparse
from pathlib import Path
import torch
import torch.nn as nn
import torch.nn.init as init
torch.manual_seed(0)
lin = nn.Linear(3, 2)
init.xavier_uniform_(lin.weight)
init.zeros_(lin.bias)
x = torch.randn(4, 3)
lin(x).pow(2).sum().backward()
print(lin.weight.grad)
""",
    'init_functions_imported_by_name': """import torch
import torch.nn as nn
from torch.nn.init import kaiming_normal_, constant_
torch.manual_seed(1)
lin = nn.Linear(4, 3)
kaiming_normal_(lin.weight, nonlinearity='relu')
constant_(lin.bias, 0.1)
x = torch.randn(2, 4)
torch.relu(lin(x)).sum().backward()
""",
    'polynomial_coefficients_from_numpy': """import numpy as np
import torch
coefs = np.polynomial.polynomial.polyfromroots([1.0, -2.0, 3.0])
fit = np.polyfit([0.0, 1.0, 2.0, 3.0], [1.0, 3.0, 7.0, 13.0], 2)
def poly(c, x):
    acc = c[0]
    xa = x
    for i in range(1, c.shape[0]):
        acc = acc + c[i] * xa
        xa = xa * x
    return acc
x = torch.tensor([0.5, 1.5, -1.0], requires_grad=True)
y = poly(coefs, x).sum() + (float(np.polyval(fit, 2.0)) * x).sum()
y.backward()
print(coefs, x.grad)
""",
    'weights_drawn_from_a_uniform_distribution': """import torch
torch.manual_seed(0)
w = torch.distributions.Uniform(0, 0.1).sample((3,))
a = torch.randn(3)
w.requires_grad_(True)
u = torch.distributions.Uniform(torch.tensor([0.0, 1.0]), torch.tensor([2.0, 3.0])).sample()
loss = ((w * a).sum() - 1) ** 2 + (u * w[:2]).sum()
loss.backward()
print(w, u, w.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    for name in SNIPPETS:
        assert reference[name]["error"] is None


def test_uniform_draws_are_torchs_numbers(reference: dict[str, dict[str, Any]]) -> None:
    import torch

    torch.manual_seed(0)
    w = torch.distributions.Uniform(0, 0.1).sample((3,))
    ours = engine_side(SNIPPETS["weights_drawn_from_a_uniform_distribution"])["grads"]["w"]
    theirs = reference["weights_drawn_from_a_uniform_distribution"]["grads"]["w"]
    assert ours == pytest.approx(theirs, rel=1e-6) and theirs != [0.0, 0.0, 0.0]
    assert 0.0 <= float(w.min()) and float(w.max()) < 0.1


def test_a_used_set_up_library_is_refused_saying_why() -> None:
    used = engine_side("import argparse\nimport torch\nns = argparse.Namespace(lr=0.1)\n")
    assert "of argparse, Gradflow reads ArgumentParser()" in used["refused"]
    system = engine_side("import os\nimport torch\nnames = os.listdir('.')\n")
    assert "the operating system (os" in system["refused"]
    path = engine_side("from pathlib import Path\nimport torch\np = Path('w.pt')\n")
    assert "paths and files (pathlib) are outside" in path["refused"]
