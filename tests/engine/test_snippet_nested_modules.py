"""Modules inside modules, read as torch runs them (plain torch in a subprocess): an
nn.Sequential of nn.Sequentials made by a helper function (each inner one works on what the
one before gave, not on the outer call's input), a layer class passed as a value
(`norm_layer = nn.Identity`, then `norm_layer(8)`), and dict() as Python builds it."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    "sequentials_from_a_helper": """import torch
import torch.nn as nn
torch.manual_seed(0)
def fc(a, b):
    return nn.Sequential(nn.Linear(a, b), nn.Sigmoid())
layers = [fc(6, 4), fc(4, 4), nn.Linear(4, 3)]
model = nn.Sequential(*layers)
x = torch.randn(5, 6)
model(x).pow(2).sum().backward()
""",
    "a_layer_class_as_a_value": """import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)
class Net(nn.Module):
    def __init__(self, batchnorm=False):
        super().__init__()
        norm_layer = nn.BatchNorm1d if batchnorm else nn.Identity
        blocks = [nn.Sequential(nn.Linear(6, 4), norm_layer(4), nn.Sigmoid())]
        blocks.append(nn.Sequential(nn.Linear(4, 4), norm_layer(4), nn.Sigmoid()))
        blocks.append(nn.Linear(4, 3))
        self.layers = nn.Sequential(*blocks)
    def forward(self, x):
        return self.layers(torch.flatten(x, 1))
x = torch.randn(5, 2, 3)
y = torch.randint(3, (5,))
with_bn, without = Net(batchnorm=True), Net()
F.cross_entropy(with_bn(x), y).backward()
F.cross_entropy(without(x), y).backward()
""",
    "dict_made_by_dict": """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
params = dict(w=w, scale=3.0)
more = dict([("b", torch.tensor(0.5, requires_grad=True))])
every = dict(params, **more)
loss = (every["w"] * every["scale"] + every["b"]).pow(2).sum()
loss.backward()
""",
}


reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    for name in SNIPPETS:
        assert reference[name]["error"] is None, name
        grads = reference[name]["every_leaf_grad"]
        assert grads and all(g is not None for g in grads), name
    # d/dw sum((3w + b)^2) = 6(3w + b), d/db = 2 sum(3w + b)
    dict_grads = reference["dict_made_by_dict"]["every_leaf_grad"]
    assert sorted(map(str, dict_grads)) == sorted(map(str, [[21.0, 39.0], 20.0]))
