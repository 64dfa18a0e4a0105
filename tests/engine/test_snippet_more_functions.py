"""The activations, elementwise, two-tensor and matrix functions of engine/more_ops.py
read from code as learners write them (F.silu, nn.SiLU(), nn.CELU(alpha=...), torch.asinh,
x.logit(), torch.det, torch.linalg.inv, A.inverse(), torch.atan2), masked_select and
x.new_tensor/new_zeros/new, each against the same snippet run by plain torch in a subprocess."""

from __future__ import annotations

from typing import Any

import pytest
from test_corpus import agrees, engine_side
from torch_reference import by_name

SNIPPETS = {
    "activations_functional_and_modules": """import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)
x = torch.randn(6, requires_grad=True)
acts = [nn.SiLU(), nn.Mish(), nn.SELU(), nn.CELU(alpha=0.5), nn.LogSigmoid(), nn.Softsign(),
        nn.Hardsigmoid(), nn.Hardswish(), nn.Tanhshrink()]
total = F.silu(x).sum() + F.mish(x).sum() + F.logsigmoid(x).sum() + F.celu(x, 2.0).sum()
for act in acts:
    total = total + act(x).pow(2).sum()
total.backward()
""",
    "elementwise_functions": """import torch
x = torch.tensor([0.2, 0.5, 0.7], requires_grad=True)
y = (torch.asinh(x) + torch.atanh(x) + torch.acosh(x + 1.5) + torch.erfc(x) + x.exp2()
     + torch.sinc(x) + x.frac() + torch.lgamma(x) + torch.digamma(x) + x.logit())
y.sum().backward()
""",
    "determinant_and_inverse": """import torch
A = torch.tensor([[2.0, 0.5], [0.3, 1.5]], requires_grad=True)
d = torch.det(A)
inv = torch.linalg.inv(A)
out = d * 2 + inv.sum() + A.inverse().trace() + torch.logdet(A) + torch.linalg.det(A)
out.backward()
""",
    "two_tensor_functions": """import torch
x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
y = torch.tensor([0.5, -2.0], requires_grad=True)
s = torch.atan2(x, y).sum() + torch.hypot(x, y).sum() + torch.xlogy(x, y.abs()).sum()
s.backward()
""",
    "masked_select_and_new_tensors": """import torch
x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
picked = torch.masked_select(x, x > 1.5) * x.masked_select(torch.tensor([True, False]))[:3]
z = x.new_tensor([3., 4.], requires_grad=True)
q = x.new_zeros(2) + x.new_ones((2,)) + x.new_full((2,), 3.0)
(picked.sum() + (x * z * q).sum()).backward()
""",
    # keon/seq2seq's `weight.new(n_layers, batch, hidden).zero_()`, and new's other forms
    "old_style_new": """import torch
torch.manual_seed(0)
w = torch.randn(3, 4, requires_grad=True)
h = w.new(2, 3).zero_()
d = w.new([1.0, 2.0])
f = w.new(torch.Size([3])).fill_(2.0)
g = w.double().new([1, 2])
y = (h @ w).sum() * w.new().numel() + (w[0, :2] * d).sum() + (w[1, :3] * f).sum()
(y * g.sum()).backward()
""",
    "det_of_a_non_square_matrix_raises_torchs_error": """import torch
A = torch.ones(2, 3, requires_grad=True)
d = torch.det(A)
""",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name(SNIPPETS)


@pytest.mark.parametrize("name", SNIPPETS)
def test_read_as_plain_torch_runs_it(name: str, reference: dict[str, dict[str, Any]]) -> None:
    ours = engine_side(SNIPPETS[name])
    assert agrees(ours, reference[name]) is None, agrees(ours, reference[name])


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert len(reference["activations_functional_and_modules"]["grads"]["x"]) == 6
    assert reference["det_of_a_non_square_matrix_raises_torchs_error"]["error"]["message"] \
        .startswith("linalg.det: A must be batches of square matrices")
