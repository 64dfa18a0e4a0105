"""`copy.deepcopy` of a leaf and of a model (the "keep the best model" line of a training
loop), against plain torch run in a subprocess: the copy's leaves hold the numbers the
original had at that moment, so training the original afterwards leaves the copy's grads
as torch gives them; torch's own error for a tensor computed in the graph; the refusals of
what Gradflow cannot follow."""

from __future__ import annotations

from typing import Any

import pytest
from test_corpus import agrees, engine_side
from torch_reference import by_name

HEAD = "import copy\nimport torch\nimport torch.nn as nn\ntorch.manual_seed(0)\n"

AGREEING = {
    "best_model_in_a_loop": """
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(8, 3)
y = torch.randn(8, 1)
best, best_loss = None, float("inf")
for step in range(4):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
    if loss.item() < best_loss and step < 2:
        best_loss = loss.item()
        best = copy.deepcopy(model)
((best(x) - y) ** 2).mean().backward()
model(x).sum().backward()
""",
    "class_model_with_batch_norm": """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.scale = nn.Parameter(torch.ones(3))
        self.bn = nn.BatchNorm1d(3)
    def forward(self, x):
        return self.bn(self.fc(x)) * self.scale
net = Net()
opt = torch.optim.Adam(net.parameters(), lr=0.05)
x = torch.randn(6, 3)
for step in range(3):
    opt.zero_grad()
    loss = net(x).pow(2).mean()
    loss.backward()
    opt.step()
    if step == 0:
        snapshot = copy.deepcopy(net)
snapshot.eval()
net.eval()
(snapshot(x).sum() + net(x).pow(2).sum()).backward()
""",
    "leaf_and_constant": """
x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
c = torch.tensor([0.5, 0.25, 2.0])
x2 = copy.deepcopy(x)
c2 = copy.deepcopy(c)
pair = copy.deepcopy([x, c])
(x * x2 * c2 + pair[0] * pair[1]).sum().backward()
""",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name({name: HEAD + code for name, code in AGREEING.items()})


@pytest.mark.parametrize("name", sorted(AGREEING))
def test_a_deep_copy_agrees_with_plain_torch(name: str,
                                             reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference[name]
    assert theirs["error"] is None, theirs["error"]
    ours = engine_side(HEAD + AGREEING[name])
    assert agrees(ours, theirs) is None, agrees(ours, theirs)


def test_the_copies_hold_their_own_numbers_in_the_reference() -> None:
    """The copy's parameters get other grads than the trained original's, so a copy that
    shared the original's leaves (or took its later numbers) would not agree."""
    code = HEAD + AGREEING["best_model_in_a_loop"] + (
        "print([torch.equal(a, b) for a, b in zip(best.parameters(), model.parameters())])\n"
        "print([a.grad is not None for a in best.parameters()])\n")
    (theirs,) = by_name({"t": code}).values()
    shared, has_grad = theirs["stdout"].splitlines()
    assert shared == "[False, False, False, False]" and has_grad == "[True, True, True, True]"
    ours = engine_side(HEAD + AGREEING["best_model_in_a_loop"])
    assert {"best_0_weight", "best_2_bias", "model_0_weight"} <= set(ours["grads"])
    assert ours["grads"]["best_0_weight"] != ours["grads"]["model_0_weight"]


def test_a_tensor_computed_in_the_graph_raises_torchs_error() -> None:
    code = HEAD + "x = torch.ones(2, requires_grad=True)\ny = x * 2\nz = copy.deepcopy(y)\n"
    (theirs,) = by_name({"t": code}).values()
    ours = engine_side(code)
    assert theirs["error"]["message"].startswith("Only Tensors created explicitly by the user")
    assert ours["error"]["type"] == theirs["error"]["type"] == "RuntimeError"
    assert ours["error"]["message"] == theirs["error"]["message"]


@pytest.mark.parametrize(("body", "said"), [
    ("w = torch.ones(2, requires_grad=True)\n(w * w).sum().backward()\nv = copy.deepcopy(w)\n",
     "copies its .grad too"),
    ("w = torch.ones(2, requires_grad=True)\nv = copy.copy(w)\n",
     "copy.copy of a tensor shares its numbers"),
    ("m = nn.Linear(2, 2)\nv = copy.copy(m)\n", "copy.copy of a model shares"),
])
def test_what_a_copy_cannot_follow_is_refused_with_why(body: str, said: str) -> None:
    refused = engine_side(HEAD + body).get("refused", "")
    assert said in refused, refused
