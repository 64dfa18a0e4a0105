"""torch's anomaly mode read as torch runs it (plain torch in a subprocess): it changes no
number, so a snippet that turns it on for debugging agrees as it is; where a backward
computes NaN torch stops the script there with its error, and so does Gradflow (the issue's
repro of a NaN from a sqrt of a sqrt, too), rather than show NaN gradients the script never
reaches."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import engine_side

READ = {
    "set_at_the_top": """import torch
torch.autograd.set_detect_anomaly(True)
x = torch.tensor([1., 2.], requires_grad=True)
y = (x.log() * x).sum()
y.backward()
""",
    "as_a_block": """import torch
x = torch.tensor([1., 2.], requires_grad=True)
with torch.autograd.detect_anomaly():
    y = (x.exp() * x).sum()
    y.backward()
print(x.grad)
""",
    "turned_off_then_nan": """import torch
torch.autograd.set_detect_anomaly(False)
x = torch.tensor([0., 4.], requires_grad=True)
y = (x.sqrt() * 0).sum()
y.backward()
""",
}
NAN_UNDER_ANOMALY = """import torch
torch.autograd.set_detect_anomaly(True)
x = torch.tensor([0., 4.], requires_grad=True)
y = (x.sqrt() * 0).sum()
y.backward()
print("not reached")
"""
READ["nan"] = NAN_UNDER_ANOMALY
READ["nan_in_a_block_from_a_sqrt_of_a_sqrt"] = """import torch
with torch.autograd.detect_anomaly():
    x = torch.tensor([1.0], requires_grad=True)
    y = torch.sqrt(x - 2)
    y = torch.sqrt(y)
    y.backward()
"""


reference, test_agrees_with_plain_torch = agreement_tests(READ)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["set_at_the_top"]["grads"]["x"] == pytest.approx(
        [1.0, 1.0 + 0.6931471805599453])  # d/dx x log x = log x + 1
    nan = reference["turned_off_then_nan"]["grads"]["x"]  # 0 * inf at x = 0
    assert str(nan[0]) in ("NaN", "nan") and nan[1] == 0.0
    assert "Function 'SqrtBackward0' returned nan values" in reference["nan"]["error"]["message"]


def test_a_nan_backward_under_anomaly_mode_stops_the_script_with_torchs_error() -> None:
    ours = engine_side(NAN_UNDER_ANOMALY)
    assert "refused" not in ours, ours
    assert "Function 'SqrtBackward0' returned nan values in its 0th output." in \
        ours["error"]["message"]
