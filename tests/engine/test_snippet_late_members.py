"""Layers and parameters a model gets after its __init__ (set in forward, registered or
assigned later in the script) and torch.nn classes by their longer module paths, read as
torch runs them (plain torch in a subprocess): a layer made in forward draws new weights at
every call, a parameter added after the optimizer was made is not stepped by it."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import engine_side

HEAD = "import torch\nimport torch.nn as nn\ntorch.manual_seed(0)\n"
SNIPPETS = {
    "layer_made_in_forward": HEAD + """class Net(nn.Module):
    def __init__(self):
        super().__init__()
    def forward(self, x):
        self.fc = nn.Linear(2, 1)
        return self.fc(x)
model = Net()
y = model(torch.ones(2))
y.backward()
first = model.fc.weight.grad.clone()
y2 = model(torch.ones(2) * 2) ** 2  # its gradient holds the second layer's weights
y2.backward()
print(first, model.fc.weight.grad, len(list(model.parameters())))
""",
    "registered_after_a_backward": HEAD + """class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.k = nn.Parameter(torch.randn(1))
        self.register_parameter('k_again', self.k)
    def forward(self, x):
        return self.k * x
model = Scale()
model(torch.randn(1)).backward()
model.zero_grad()
model.register_parameter('extra', nn.Parameter(torch.randn(1)))
model(torch.randn(1)).backward()
print(model.k.grad, model.extra.grad, [n for n, _ in model.named_parameters()])
""",
    "assigned_after_the_optimizer": HEAD + """class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
    def forward(self, x):
        out = self.fc(x)
        if hasattr(self, "scale"):
            out = out * self.scale
        return out.sum()
model = Net()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(4, 3)
model(x).backward()
opt.step()
model.scale = nn.Parameter(torch.tensor(2.0))
model.head = nn.Linear(2, 2)
opt.zero_grad()
loss = model(x)
loss.backward()
opt.step()
print(model.scale.grad, model.scale, model.fc.weight)
""",
    "nn_classes_by_module_path": """import torch
from torch.nn.parameter import Parameter
from torch.nn import parameter
torch.manual_seed(0)
w = Parameter(torch.randn(3))
v = torch.nn.parameter.Parameter(torch.randn(3))
u = parameter.Parameter(torch.ones(3))
loss = torch.nn.modules.loss.MSELoss()(w * v, u)
loss.backward()
print(w.grad, v.grad, u.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    grads = reference["nn_classes_by_module_path"]["grads"]
    torch.manual_seed(0)
    w, v = torch.randn(3), torch.randn(3)
    residual = w * v - 1  # d/dw mean((w v - u)²) = 2 (w v - u) v / 3
    assert grads["w"] == pytest.approx((2 * residual * v / 3).tolist(), rel=1e-5)
    assert grads["u"] == pytest.approx((-2 * residual / 3).tolist(), rel=1e-5)


def test_a_layer_made_in_forward_gets_new_weights_at_each_call() -> None:
    ours = engine_side(SNIPPETS["layer_made_in_forward"])
    assert "refused" not in ours, ours
    torch.manual_seed(0)
    first, second = torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)  # drawn in this order
    y = first(torch.ones(2))
    (second(torch.ones(2) * 2) ** 2).backward()
    assert second.weight.grad is not None
    assert ours["outputs"]["y"]["value"] == pytest.approx(y.tolist(), rel=1e-6)
    assert ours["grads"]["model_fc_weight_2"][0] == pytest.approx(
        second.weight.grad[0].tolist(), rel=1e-6)
    assert set(ours["grads"]) == {"model_fc_weight", "model_fc_bias", "model_fc_weight_2",
                                  "model_fc_bias_2"}  # each call's layer, named as torch's
