"""Learner snippets with bounded activations, sorted picks, running products and weighted
losses, each read as plain torch runs it (in a subprocess), values and grads compared:
F.relu6 / nn.ReLU6 and F.hardtanh / nn.Hardtanh (their gradient is 0 exactly on the bounds,
where clamp's passes), with torch's own refusal of min_val > max_val."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

# numbers exactly on the bounds (0, 6, -1, 1, -0.5, 2): the gradient there is torch's to give
_ON = "torch.tensor([[-1.0, 0.0, 0.5, 6.0], [7.0, -0.5, 2.0, 1.0]], requires_grad=True)"
SNIPPETS = {
    "relu6_functional": f"""import torch
import torch.nn.functional as F
x = {_ON}
y = F.relu6(x * 1.0)
(y * torch.arange(8.).reshape(2, 4)).sum().backward()
""",
    "relu6_module_inplace": f"""import torch
import torch.nn as nn
x = {_ON}
h = x * 2.0
act = nn.ReLU6(inplace=True)
y = act(h)
(y * h).sum().backward()
""",
    "hardtanh_default": f"""import torch
import torch.nn.functional as F
x = {_ON}
F.hardtanh(x).pow(2).sum().backward()
""",
    "hardtanh_positional_bounds": f"""import torch
import torch.nn.functional as F
x = {_ON}
y = F.hardtanh(x, -0.5, 2.0)
(y * 3.0).sum().backward()
""",
    "hardtanh_module_keywords": """import torch
import torch.nn as nn
x = torch.tensor([[-3.0, -2.0, 0.25], [2.0, 4.0, 1.5]], requires_grad=True)
m = nn.Sequential(nn.Linear(3, 3), nn.Hardtanh(min_val=-2.0, max_val=2.0))
torch.manual_seed(0)
m = nn.Sequential(nn.Linear(3, 3), nn.Hardtanh(min_val=-2.0, max_val=2.0))
out = nn.Hardtanh(-2.0, 2.0)(x) + m(x)
out.sum().backward()
""",
    "hardtanh_inplace_functional": """import torch
import torch.nn.functional as F
x = torch.tensor([-2.0, -1.0, 0.3, 1.0, 5.0], requires_grad=True)
h = x * 1.5
F.hardtanh(h, -1.5, 1.5, inplace=True)
(h * h).sum().backward()
""",
    "hardtanh_bounds_reversed": """import torch
import torch.nn.functional as F
x = torch.tensor([0.5, 1.5], requires_grad=True)
y = F.hardtanh(x, 2.0, 1.0)
y.sum().backward()
""",
    "hardtanh_module_bounds_reversed": """import torch
import torch.nn as nn
x = torch.tensor([0.5, 1.5], requires_grad=True)
act = nn.Hardtanh(2.0, 1.0)
act(x).sum().backward()
""",
}


reference, test_matches_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    """Not vacuous: torch's gradient is 0 on the bounds (clamp's would be 1 there)."""
    assert reference["relu6_functional"]["grads"]["x"] == [[0.0, 0.0, 2.0, 0.0],
                                                           [0.0, 0.0, 6.0, 7.0]]
    assert reference["hardtanh_positional_bounds"]["grads"]["x"] == [[0.0, 3.0, 3.0, 0.0],
                                                                     [0.0, 0.0, 0.0, 3.0]]
    assert reference["hardtanh_bounds_reversed"]["error"] == {
        "type": "ValueError", "message": "min_val cannot be greater than max_val"}
    assert reference["hardtanh_module_bounds_reversed"]["error"]["type"] == "AssertionError"
