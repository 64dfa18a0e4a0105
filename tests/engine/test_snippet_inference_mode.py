"""`torch.inference_mode()` read as torch runs it (plain torch in a subprocess): its tensors
are numbers without history, like no_grad's, but torch refuses to save one for backward, so
`x + z` builds a graph while `x * z` raises torch's own error at that line; the decorator
form and `inference_mode(False)` likewise."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests

from engine.snippets.reader import TorchRaised, import_snippet

READ = {
    "an_inference_tensor_added": """import torch
x = torch.tensor([1., 2.], requires_grad=True)
with torch.inference_mode():
    z = x * 2
    c = torch.ones(2)
y = (x + z).sum() + (x - c).pow(2).sum()
y.backward()
""",
    "evaluation_after_training": """import torch
torch.manual_seed(0)
w = torch.randn(3, requires_grad=True)
X = torch.randn(5, 3)
loss = (X @ w).pow(2).mean()
loss.backward()
with torch.inference_mode():
    preds = X @ w
    print(preds.requires_grad, preds.sum())
""",
    "inference_mode_false_keeps_the_graph": """import torch
x = torch.tensor([1., 2.], requires_grad=True)
with torch.inference_mode(False):
    z = x * x
y = (x * z).sum()
y.backward()
""",
}
RAISED = {
    "an_inference_tensor_multiplied": """import torch
x = torch.tensor([1., 2.], requires_grad=True)
with torch.inference_mode():
    z = x * 2
y = (x * z).sum()
""",
    "a_decorated_function": """import torch
@torch.inference_mode()
def scaled(t):
    return t * 3
x = torch.tensor([1., -2.], requires_grad=True)
s = scaled(x)
y = (x + s).sum()
y.backward()
print(x.grad)
q = (x.exp() * s).sum()
""",
}


reference, test_agrees_with_plain_torch = agreement_tests({**READ, **RAISED})


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    # z = 2x holds no history: d/dx of sum(x + z) + sum((x - 1)^2) = 1 + 2(x - 1)
    assert reference["an_inference_tensor_added"]["grads"]["x"] == [1.0, 3.0]
    # z = x*x kept its graph: d/dx sum(x^3) = 3x^2
    assert reference["inference_mode_false_keeps_the_graph"]["grads"]["x"] == [3.0, 12.0]
    for name in RAISED:
        assert "Inference tensors cannot be saved for backward" in str(
            reference[name]["error"]), name


@pytest.mark.parametrize("name", sorted(RAISED))
def test_torchs_error_is_raised_at_its_line(name: str) -> None:
    with pytest.raises(TorchRaised) as raised:
        import_snippet(RAISED[name])
    assert raised.value.error_type == "RuntimeError"
    assert raised.value.torch_message.startswith("Inference tensors cannot be saved for backward")
    assert raised.value.line == len(RAISED[name].splitlines())
