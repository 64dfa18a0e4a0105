"""Forms met in a round of unseen learner code, each against plain torch in a subprocess:
`import torch.nn.init as init` and `from torch.nn.init import xavier_uniform_` (read as
torch.nn.init's functions are), and the imports of a research script's set-up that nothing
computes with (`import argparse`, `from pathlib import Path`): harmless where unused, and
refused where used, saying why; numpy's polynomial coefficients (np.polyfit, np.polyval,
np.polynomial.polynomial.polyfromroots) used as constants."""

from __future__ import annotations

from typing import Any

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
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    for name in SNIPPETS:
        assert reference[name]["error"] is None


def test_a_used_set_up_library_is_refused_saying_why() -> None:
    used = engine_side("import argparse\nimport torch\nparser = argparse.ArgumentParser()\n")
    assert "command-line options (argparse) are outside" in used["refused"]
    path = engine_side("from pathlib import Path\nimport torch\np = Path('w.pt')\n")
    assert "paths and files (pathlib) are outside" in path["refused"]
