"""What a snippet calls on a module or a tensor's class: `model.state_dict()` (its keys and
numbers, to print; torch's tensors share memory with the parameters, so computing with them is
refused with why) and `x.type(torch.FloatTensor)`. Against plain torch in a subprocess."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    "state_dict_printed": """import torch
torch.manual_seed(3)
layer = torch.nn.Linear(3, 2)
for key, value in layer.state_dict().items():
    print(key, value.shape)
print(list(layer.state_dict().keys()))
loss = layer(torch.tensor([[0.5, -1.0, 2.0]])).pow(2).sum()
loss.backward()
""",
    "type_by_tensor_class": """import torch
x = torch.tensor([1, 2, 3]).type(torch.FloatTensor)
x.requires_grad = True
d = torch.tensor([0.5, 0.25]).type(torch.DoubleTensor)
y = (x ** 2).mean() + d.sum()
y.backward()
""",
}


reference, test_read_as_plain_torch_runs_it = agreement_tests(SNIPPETS)


def test_the_reference_has_grads_to_compare(reference: dict[str, dict[str, Any]]) -> None:
    assert reference["type_by_tensor_class"]["grads"]["x"] == pytest.approx(
        [2 / 3, 4 / 3, 2.0])
    assert len(reference["state_dict_printed"]["every_leaf_grad"]) == 2


def test_computing_with_a_state_dict_tensor_after_an_update_is_refused_with_why() -> None:
    # torch's entry is the parameter's memory: the update changed it under the name (computing
    # with it before any update is computing with the parameter's numbers: read)
    code = ("import torch\nlayer = torch.nn.Linear(2, 1)\nw = layer.state_dict()['weight']\n"
            "(layer(torch.ones(1, 2)) ** 2).sum().backward()\nwith torch.no_grad():\n"
            "    layer.weight -= 0.1 * layer.weight.grad\ny = (w * 2).sum()\n")
    message = engine_side(code)["refused"]
    assert message.startswith("line 7")
    assert "weight of state_dict() shares memory with the parameter" in message
