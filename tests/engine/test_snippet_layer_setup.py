"""Setting a model up, against plain torch run in a subprocess: nn.init's initialisers on
parameters and fresh tensors (their numbers drawn from the snippet's seed as torch draws
them, and every draw after them following on), inside a model class's __init__ and through
model.apply(fn) / self.apply(self.method) with isinstance(m, nn.Linear); `p.data.fill_(v)`
in an init function; nn.ModuleList .append/.extend and nn.Sequential .append/.add_module in
a model class and at top level, the new layers' parameters named as torch names them."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from test_corpus import agrees, engine_side
from test_snippet_classes import EXPOSE
from torch_reference import by_name

from engine.snippets.module_kinds import named_parameters_of
from engine.snippets.reader import _read
from engine.snippets.safety import scan
from engine.snippets.values import Module, Py

HEAD = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n" \
       "torch.manual_seed(0)\n"
SNIPPETS = {
    "init_in_the_class": """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.fc2 = nn.Linear(4, 2)
        nn.init.xavier_uniform_(self.fc1.weight)
        nn.init.zeros_(self.fc1.bias)
        nn.init.kaiming_normal_(self.fc2.weight, mode='fan_out', nonlinearity='relu')
        nn.init.constant_(self.fc2.bias, 0.3)
    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))
model = Net()
x = torch.randn(5, 3, requires_grad=True)
model(x).pow(2).mean().backward()
""",
    "self_apply_of_a_method_with_isinstance": """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.bn = nn.BatchNorm2d(2)
        self.fc = nn.Linear(8, 3)
        self.apply(self.init_weights)
    def init_weights(self, m):
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_uniform_(m.weight, a=0.1)
            nn.init.normal_(m.bias, std=0.5)
        elif isinstance(m, (nn.BatchNorm2d, nn.LayerNorm)):
            nn.init.ones_(m.weight)
            nn.init.uniform_(m.bias, -0.2, 0.2)
        elif isinstance(m, nn.Linear):
            nn.init.xavier_normal_(m.weight, gain=2.0)
            m.bias.data.fill_(0.01)
    def forward(self, x):
        return self.fc(torch.flatten(F.relu(self.bn(self.conv(x))), 1))
model = Net()
x = torch.randn(2, 1, 4, 4)
nn.CrossEntropyLoss()(model(x), torch.tensor([0, 2])).backward()
""",
    "apply_of_a_def_at_top_level": """
def init_weights(m):
    if type(m) == nn.Linear:
        torch.nn.init.trunc_normal_(m.weight, std=0.2)
        m.bias.data.zero_()
net = nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 1))
net.apply(init_weights)
w0, b0, w2 = net[0].weight, net[0].bias, net[2].weight
x = torch.randn(4, 3)
net(x).sum().backward()
""",
    "fresh_tensors_initialised": """
w = torch.empty(2, 3)
nn.init.uniform_(w, -1, 1)
w.requires_grad_()
u = nn.init.xavier_normal_(torch.empty(3, 2), gain=2.0)
e = torch.empty(3, 3, requires_grad=True)
nn.init.eye_(e)
k = torch.empty(2, 2, 3, 3)
nn.init.dirac_(k)
k.requires_grad_()
o = torch.empty(3, 3)
nn.init.orthogonal_(o)
x = torch.randn(4, 3)
y = ((x @ w.t()).sum() + (x @ u).sum() + (x @ e @ o).pow(2).sum()
     + F.conv2d(x.reshape(1, 1, 4, 3).repeat(1, 2, 1, 1), k).sum())
y.backward()
""",
    "containers_grown_in_the_class": """
class Net(nn.Module):
    def __init__(self, sizes=(2, 4, 3)):
        super().__init__()
        self.layers = nn.ModuleList()
        for a, b in zip(sizes, sizes[1:]):
            self.layers.append(nn.Linear(a, b))
        self.layers.extend([nn.Tanh(), nn.Linear(3, 2)])
        self.head = nn.Sequential()
        self.head.append(nn.ReLU())
        self.head.add_module('out', nn.Linear(2, 1))
    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.head(x)
model = Net()
x = torch.randn(5, 2)
model(x).sum().backward()
""",
    "modules_loop_and_layer_settings": """
class SmallCNN(nn.Module):
    def __init__(self, num_classes=3):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=4, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(self.conv1.out_channels, 8, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(self.conv2.out_channels)
        self.fc = nn.Linear(8 * 2 * 2, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_uniform_(m.weight, a=0.5)
        for child in self.children():
            if isinstance(child, nn.Linear):
                nn.init.normal_(child.weight, 0, 0.01 * child.in_features)
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), kernel_size=2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = x.view(x.size(0), -1)
        return self.fc(x)
model = SmallCNN()
images = torch.randn(4, 1, 8, 8)
loss = nn.CrossEntropyLoss()(model(images), torch.tensor([0, 1, 2, 1]))
loss.backward()
""",
    "sequential_grown_at_top_level": """
net = nn.Sequential(nn.Linear(2, 3))
net.append(nn.Sigmoid())
net.add_module('out', nn.Linear(3, 1))
w0, w_out = net[0].weight, net.out.weight
x = torch.randn(4, 2)
net(x).sum().backward()
""",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name({name: HEAD + code + (EXPOSE if "model = " in code else "")
                    for name, code in SNIPPETS.items()})


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_setup_agrees_with_plain_torch(name: str, reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference[name]
    assert theirs["error"] is None, theirs
    ours = engine_side(HEAD + SNIPPETS[name])
    assert agrees(ours, theirs) is None, agrees(ours, theirs)
    assert set(theirs["grads"]) <= set(ours["grads"]), (sorted(ours["grads"]))
    assert sum(1 for g in theirs["grads"].values() if g is not None) >= 2


def test_the_initialised_numbers_are_torchs() -> None:
    importer = _read(*_parse(HEAD + SNIPPETS["init_in_the_class"]))
    model = importer.env["model"]
    assert isinstance(model, Py) and isinstance(model.value, Module)
    ours = {name: torch.tensor(p.value) for name, p in named_parameters_of(model.value)}
    torch.manual_seed(0)
    fc1, fc2 = torch.nn.Linear(3, 4), torch.nn.Linear(4, 2)
    torch.nn.init.xavier_uniform_(fc1.weight)
    torch.nn.init.kaiming_normal_(fc2.weight, mode="fan_out", nonlinearity="relu")
    assert torch.equal(ours["fc1.weight"], fc1.weight.detach())
    assert torch.equal(ours["fc2.weight"], fc2.weight.detach())
    assert ours["fc1.bias"].abs().sum() == 0
    assert torch.equal(ours["fc2.bias"], torch.full((2,), 0.3))


def test_grown_containers_name_parameters_as_torch_does() -> None:
    importer = _read(*_parse(HEAD + SNIPPETS["containers_grown_in_the_class"]))
    model = importer.env["model"]
    assert isinstance(model, Py) and isinstance(model.value, Module)
    torch.manual_seed(0)
    ns: dict[str, Any] = {}
    exec(compile(HEAD + SNIPPETS["containers_grown_in_the_class"].split("x = torch")[0],  # noqa: S102
                 "<trusted test snippet>", "exec"), ns)
    assert [n for n, _ in named_parameters_of(model.value)] == \
        [n for n, _ in ns["model"].named_parameters()]


def _parse(code: str) -> tuple[Any, ...]:
    import ast
    tree = ast.parse(code)
    return tree, scan(tree), 1, {}, False


@pytest.mark.parametrize(("code", "words"), [
    ("w = torch.randn(3, requires_grad=True)\ny = w * 2\nnn.init.zeros_(w)\ny.sum().backward()",
     "this tensor was computed before the update at line"),
    ("w = torch.randn(3, requires_grad=True)\nnn.init.sparse_(w, 0.5)", "nn.init.sparse_ is not "
     "read"),
])
def test_what_is_not_read_is_refused_with_what_to_do(code: str, words: str) -> None:
    ours = engine_side(HEAD + code + "\n")
    assert words in ours.get("refused", ""), ours


@pytest.mark.parametrize("line", ["w = torch.empty(3, requires_grad=True)\n"
                                  "nn.init.xavier_uniform_(w)\n",
                                  "net = nn.Sequential()\nnet.add_module('a.b', nn.ReLU())\n"])
def test_torchs_own_error_for_a_setup_it_refuses(line: str) -> None:
    code = HEAD + line
    (theirs,) = by_name({"fan": code}).values()
    ours = engine_side(code)
    assert theirs["error"] is not None and ours["error"] is not None, ours
    assert ours["error"]["message"] == theirs["error"]["message"]
