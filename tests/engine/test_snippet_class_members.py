"""@property, @staticmethod and @classmethod in a model class (engine/snippets/class_members.py),
bound as Python binds them. Against plain torch in a subprocess."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import agrees, engine_side

MODEL = """import torch
import torch.nn as nn
torch.manual_seed(4)
class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.fc1 = nn.Linear(3, hidden)
        self.fc2 = nn.Linear(hidden, 1)
    @staticmethod
    def squash(h):
        return torch.tanh(h) * 0.5
    @classmethod
    def small(cls):
        return cls(2)
    @property
    def n_params(self):
        return sum(p.numel() for p in self.parameters())
    @property
    def penalty(self):
        return self.fc1.weight.pow(2).sum()
    @torch.no_grad()
    def predict(self, x):
        return (self.forward(x) > 0).float()
    def forward(self, x):
        return self.fc2(self.squash(self.fc1(x)))
x = torch.randn(4, 3)
"""
SNIPPETS = {
    # the getter's answer joins the graph: its gradient reaches fc1.weight
    "property_in_the_loss": MODEL + """net = Net(3)
loss = net(x).pow(2).mean() + 0.01 * net.penalty * net.n_params
loss.backward()
print(net.n_params, net.predict(x))
""",
    "classmethod_on_the_class_and_the_model": MODEL + """net = Net.small()
other = net.small()
(net(x).sum() + other(x).sum()).backward()
""",
    "staticmethod_on_the_class": MODEL + """net = Net(3)
w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
(Net.squash(x * w).sum() + net.squash(w).sum()).backward()
""",
    # a forward with no self: calling the model passes only the inputs
    "static_forward": """import torch
class Product(torch.nn.Module):
    @staticmethod
    def forward(a, b):
        return a * b * 2
a = torch.tensor([1.0, 3.0], requires_grad=True)
b = torch.tensor([-2.0, 0.5], requires_grad=True)
Product()(a, b).sum().backward()
""",
    "a_property_called_is_pythons_error": MODEL + """net = Net(3)
net(x).sum().backward()
net.n_params()
""",
}


reference, test_read_as_plain_torch_runs_it = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    used = reference["property_in_the_loss"]
    assert used["error"] is None and used["stdout"].startswith("16 tensor(")  # 9 + 3 + 3 + 1
    # without the property the first layer's weight grad is another number
    without = engine_side(SNIPPETS["property_in_the_loss"].replace(
        " + 0.01 * net.penalty * net.n_params", ""))
    assert agrees(without, used) is not None
    assert len(reference["classmethod_on_the_class_and_the_model"]["every_leaf_grad"]) == 8
    assert reference["staticmethod_on_the_class"]["grads"]["w"] != [0.0, 0.0, 0.0]
    assert reference["static_forward"]["grads"] == {"a": [-4.0, 1.0], "b": [2.0, 6.0]}
    assert reference["a_property_called_is_pythons_error"]["error"] == {
        "type": "TypeError", "message": "'int' object is not callable"}


@pytest.mark.parametrize("decorator", ["@n_params.setter", "@property\n    @staticmethod",
                                       "@functools.cache"])
def test_other_decorators_are_refused_with_what_is_read(decorator: str) -> None:
    code = MODEL.replace("import torch\n", "import functools\nimport torch\n", 1).replace(
        "    @classmethod\n    def small", f"    {decorator}\n    def small") + "Net(3)\n"
    refused = engine_side(code)["refused"]
    assert "a model's methods are read plain or with one of @property (a getter)" in refused
