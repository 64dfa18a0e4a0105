"""Forms a fresh round of learner code showed (plain torch in a subprocess): `gc.collect()` on a
line of its own, an instance of a custom Function (`exp = Exp(); exp.apply(x)`, which torch
still makes with a DeprecationWarning; calling the instance is torch's legacy RuntimeError),
and `nn.AdaptiveMaxPool2d` / `F.adaptive_max_pool2d`."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F
from snippet_agreement import agreement_tests
from test_corpus import engine_side

EXP = """import torch
class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        result = torch.exp(i)
        ctx.save_for_backward(result)
        return result
    @staticmethod
    def backward(ctx, grad_output):
        result, = ctx.saved_tensors
        return grad_output * result
"""
SNIPPETS = {
    'gc_collect_between_lines': """import torch
import gc
x = torch.tensor([3., 4.], requires_grad=True)
y = (x * x * x).sum()
y.backward()
gc.collect()
torch.cuda.empty_cache()
print(x.grad)
""",
    'function_instance_apply': EXP + """exp = Exp()
x = torch.tensor([0.5, -1.0], requires_grad=True)
y = exp.apply(x * 2)
y.sum().backward()
print(x.grad)
""",
    'function_instance_called': EXP + """exp = Exp()
x = torch.tensor([0.5, -1.0], requires_grad=True)
y = exp(x)
""",
    'adaptive_max_pool': """import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)
x = torch.randn(1, 2, 5, 6, requires_grad=True)
pool = nn.AdaptiveMaxPool2d((2, 3))
y = pool(x)
z = F.adaptive_max_pool2d(x * 2, 1)
(y.sum() + (z * z).sum()).backward()
print(y, x.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["function_instance_called"]["error"]["type"] == "RuntimeError"
    assert reference["function_instance_apply"]["grads"]["x"] is not None


def test_a_function_instance_applies_the_class() -> None:
    ours = engine_side(SNIPPETS["function_instance_apply"])
    x = torch.tensor([0.5, -1.0])
    assert ours["grads"]["x"] == pytest.approx((2 * torch.exp(2 * x)).tolist())


def test_calling_the_instance_is_torchs_legacy_error() -> None:
    ours = engine_side(SNIPPETS["function_instance_called"])
    assert ours["error"]["type"] == "RuntimeError"
    assert ours["error"]["message"].startswith("Legacy autograd function with non-static")


def test_gc_collect_in_an_expression_is_refused_with_what_is_read() -> None:
    refused = engine_side("import torch\nimport gc\nn = gc.collect()\n")["refused"]
    assert "a line of its own gc.collect()" in refused


def test_adaptive_max_pool_sends_the_gradient_to_each_windows_maximum() -> None:
    ours = engine_side(SNIPPETS["adaptive_max_pool"])
    torch.manual_seed(0)
    x = torch.randn(1, 2, 5, 6, requires_grad=True)
    z = F.adaptive_max_pool2d(x * 2, 1)
    (F.adaptive_max_pool2d(x, (2, 3)).sum() + (z * z).sum()).backward()
    assert x.grad is not None
    assert torch.allclose(torch.tensor(ours["grads"]["x"]), x.grad)
