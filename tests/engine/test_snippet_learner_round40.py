"""Forms met in unseen learner code, each against plain torch in a subprocess: torch's
anomaly mode imported from `torch.autograd.anomaly_mode`, as a module or by name, around a
backward that works and one whose custom Function raises."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'anomaly_mode_module_and_a_backward_that_raises': """import torch
import torch.autograd.anomaly_mode as anomaly_mode
torch.manual_seed(0)
anomaly_mode.set_detect_anomaly(True)
class Broken(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clone()
    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("the backward of Broken failed")
x = torch.rand(4, 4, requires_grad=True)
Broken.apply(x).sum().backward()
""",
    'anomaly_mode_names_imported_by_name': """import torch
from torch.autograd.anomaly_mode import detect_anomaly, set_detect_anomaly
torch.manual_seed(0)
set_detect_anomaly(False)
x = torch.rand(3, requires_grad=True)
with detect_anomaly():
    y = (x * x.exp()).sum()
    y.backward()
print(x.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["anomaly_mode_module_and_a_backward_that_raises"]["error"] == {
        "type": "RuntimeError", "message": "the backward of Broken failed"}
    torch_grad = reference["anomaly_mode_names_imported_by_name"]["grads"]["x"]
    assert len(torch_grad) == 3 and all(g > 1.0 for g in torch_grad)  # (1 + x) e^x, x in [0, 1)
