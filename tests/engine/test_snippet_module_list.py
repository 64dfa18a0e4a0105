"""nn.ModuleList in a model class and at top level, against plain torch run in a subprocess:
indexing, iteration, len(), slices, parameters under torch's names (`layers.0.weight` is the
leaf `model_layers_0_weight`) and named_parameters() in torch's order."""

from __future__ import annotations

from typing import Any

import pytest
from test_corpus import agrees, engine_side
from test_snippet_classes import EXPOSE, HEAD, _named_by_the_importer
from torch_reference import by_name, in_subprocess

from engine.snippets.reader import import_snippet

SNIPPETS = {
    "iterated_in_forward": """
class Net(nn.Module):
    def __init__(self, sizes=(2, 4, 3, 1)):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])])
        self.act = nn.Tanh()
    def forward(self, x):
        for layer in self.layers[:-1]:
            x = self.act(layer(x))
        return self.layers[-1](x)
model = Net()
x = torch.randn(5, 2)
model(x).pow(2).mean().backward()
""",
    "indexed_by_len": """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(3))
        self.blocks = nn.ModuleList([nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 3, bias=False)])
    def forward(self, x):
        for i in range(len(self.blocks)):
            x = self.blocks[i](x)
        return x * self.scale
model = Net()
x = torch.randn(4, 3)
model(x).sum().backward()
""",
}
TOP_LEVEL = """import torch
import torch.nn as nn
torch.manual_seed(0)
layers = nn.ModuleList([nn.Linear(2, 3), nn.Linear(3, 1)])
x = torch.randn(4, 2)
h = x
for layer in layers:
    h = layer(h)
h.sum().backward()
n = len(layers)
"""


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name({name: HEAD + code + EXPOSE for name, code in SNIPPETS.items()})


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_a_module_list_agrees_with_plain_torch(name: str,
                                               reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference[name]
    assert theirs["error"] is None
    ours = engine_side(HEAD + SNIPPETS[name])
    assert agrees(ours, theirs) is None, agrees(ours, theirs)
    assert any(n.startswith("model_") and "_0_" in n and g is not None
               for n, g in theirs["grads"].items())


def test_leaves_and_named_parameters_follow_torch() -> None:
    code = HEAD + SNIPPETS["indexed_by_len"]
    leaves = {n.name for n in import_snippet(code).nodes() if n.op == "leaf"}
    assert {"model_blocks_0_weight", "model_blocks_0_bias", "model_blocks_2_weight",
            "model_scale"} <= leaves
    (theirs,) = in_subprocess([code + "print([n for n, _ in model.named_parameters()])"])
    assert str(_named_by_the_importer(code)) == theirs["stdout"].strip()


def test_a_top_level_module_list_agrees_with_plain_torch() -> None:
    (theirs,) = in_subprocess([TOP_LEVEL])
    ours = engine_side(TOP_LEVEL)
    assert agrees(ours, theirs) is None, agrees(ours, theirs)
    assert {"layers_0_weight", "layers_1_bias"} <= set(ours["grads"])


def test_calling_a_module_list_raises_torchs_error() -> None:
    code = HEAD + "layers = nn.ModuleList([nn.Linear(2, 2)])\ny = layers(torch.randn(2))\n"
    (theirs,) = in_subprocess([code])
    ours = engine_side(code)
    assert theirs["error"]["message"] == \
        'Module [ModuleList] is missing the required "forward" function'
    assert ours["error"]["type"] == "NotImplementedError", ours
    assert ours["error"]["message"] == theirs["error"]["message"]
