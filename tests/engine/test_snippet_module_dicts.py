"""nn.ModuleDict and walking a module's tree (named_children, named_modules, children,
modules), against plain torch run in a subprocess: every parameter's grad under torch's name
(`heads.a.weight` is the leaf `heads_a_weight`, `net_heads_a_weight` in a model `net`), the
names and order torch gives, and torch's own errors. Module forward hooks run where torch
runs them."""

from __future__ import annotations

import ast
import json
from typing import Any

import pytest
from test_corpus import agrees, engine_side
from torch_reference import by_name

from engine.snippets.reader import _read
from engine.snippets.safety import scan
from engine.snippets.values import Number, Py

HEAD = "import torch\nimport torch.nn as nn\ntorch.manual_seed(0)\n"

AGREEING = {
    "dict_at_top_level": """
heads = nn.ModuleDict({"b": nn.Linear(3, 2), "a": nn.Linear(3, 1)})
heads["c"] = nn.Linear(3, 4)
heads.update({"d": nn.Tanh()})
x = torch.randn(5, 3)
total = heads.d(x).sum()
for key in heads:
    if key != "d":
        total = total + heads[key](x).pow(2).sum()
facts = [len(heads), "a" in heads, "z" in heads, list(heads.keys()),
         [k for k, _ in heads.items()], len(list(heads.values()))]
total.backward()
""",
    "dict_in_a_model": """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(4, 6), nn.ReLU())
        self.heads = nn.ModuleDict([("cls", nn.Linear(6, 3)), ("reg", nn.Linear(6, 1))])
        self.heads["aux"] = nn.Linear(6, 2)
    def forward(self, x):
        h = self.trunk(x)
        return {k: self.heads[k](h) for k in self.heads}
net = Net()
out = net(torch.randn(7, 4))
(out["cls"].logsumexp(1).mean() + out["reg"].pow(2).mean() + out["aux"].abs().sum()).backward()
facts = [[n for n, _ in net.named_parameters()], [n for n, _ in net.named_modules()],
         [n for n, _ in net.named_children()], len(list(net.modules())),
         len(list(net.children())),
         [n for n, m in net.named_modules() if any(m.children()) is False]]
""",
    "dict_pop_and_keys": """
md = nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.Linear(2, 3), "c": nn.Linear(2, 1)})
b = md.pop("b")
x = torch.randn(4, 2)
(b(x).sum() + md["c"](x).sum() + md["a"](x).pow(2).sum()).backward()
facts = [list(md.keys()), len(md)]
""",
    "tree_of_a_sequential": """
model = nn.Sequential(nn.Linear(3, 4), nn.Sequential(nn.Tanh(), nn.Linear(4, 2)),
                      nn.ModuleList([nn.ReLU()]))
layers = {}
for name, m in model.named_modules():
    if not any(m.children()):
        layers[m] = name
facts = [[n for n, _ in model.named_modules()],
         [n for n, _ in model.named_modules(prefix="model")],
         [n for n, _ in model.named_children()], list(layers.values()),
         model[1][1] in layers, layers[model[0]], len(list(model.modules()))]
x = torch.randn(2, 3)
model[1](model[0](x)).sum().backward()
""",
    "named_sequential": """
model = nn.Sequential()
model.add_module("fc1", nn.Linear(3, 5))
model.add_module("act", nn.ReLU())
model.add_module("fc2", nn.Linear(5, 1))
model(torch.randn(4, 3)).sum().backward()
facts = [[name for name, _ in model.named_children()],
         [name for name, _ in model.named_modules()]]
""",
    "forward_hooks_store_outputs": """
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
acts = {}
def keep(name):
    def hook(module, inputs, output):
        acts[name] = output
    return hook
handles = []
for name, m in model.named_modules():
    if isinstance(m, nn.Linear):
        handles.append(m.register_forward_hook(keep(name)))
x = torch.randn(5, 3)
y = model(x)
for h in handles:
    h.remove()
z = model(x * 2)
(acts["0"].pow(2).sum() + acts["2"].sum() + y.mean() + z.sum()).backward()
facts = sorted(acts)
""",
    "forward_pre_hook_then_hook": """
seen = []
fc = nn.Linear(2, 2)
def pre(module, args):
    seen.append(args[0])
def post(module, args, out):
    seen.append(out)
fc.register_forward_pre_hook(pre)
fc.register_forward_hook(post)
x = torch.randn(3, 2, requires_grad=True)
out = fc.forward(x) + fc(x)
(out.sum() + seen[0].pow(2).sum() * seen[1].mean()).backward()
facts = [len(seen)]
""",
}
# plain torch side only: each leaf under the name the app gives it, and the facts as JSON
EXPOSE = "\nprint(json.dumps(facts))\n"


def _facts(code: str) -> Any:
    """The `facts` list as the importer computed it, as plain Python."""
    tree = ast.parse(code)
    importer = _read(tree, scan(tree), 0, {}, False)
    return _plain(importer.env["facts"])


def _plain(value: Any) -> Any:
    if isinstance(value, Py | Number):
        return _plain(value.value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name({name: "import json\n" + HEAD + code + EXPOSE
                    for name, code in AGREEING.items()})


@pytest.mark.parametrize("name", sorted(AGREEING))
def test_module_dicts_and_tree_walks_agree_with_plain_torch(
        name: str, reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference[name]
    assert theirs["error"] is None, theirs["error"]
    ours = engine_side(HEAD + AGREEING[name])
    assert agrees(ours, theirs) is None, agrees(ours, theirs)
    # the reference really computed gradients for the modules read
    grads = [g for g in theirs["every_leaf_grad"] if g is not None]
    assert len(grads) >= 2 and any(any(v != 0 for v in _flat(g)) for g in grads)
    assert _facts(HEAD + AGREEING[name]) == json.loads(theirs["stdout"])


def _flat(value: Any) -> list[float]:
    return [v for item in value for v in _flat(item)] if isinstance(value, list) else [value]


def test_module_dict_leaves_are_named_as_torch_names_them() -> None:
    ours = engine_side(HEAD + AGREEING["dict_in_a_model"])
    assert {"net_heads_cls_weight", "net_heads_reg_bias", "net_heads_aux_weight",
            "net_trunk_0_weight"} <= set(ours["grads"])
    top = engine_side(HEAD + AGREEING["dict_at_top_level"])
    assert {"heads_a_weight", "heads_b_bias", "heads_c_weight"} <= set(top["grads"])


ERRORS = {
    "missing_key": 'md = nn.ModuleDict({"a": nn.Linear(2, 2)})\ny = md["b"]\n',
    "integer_key": 'md = nn.ModuleDict({"a": nn.Linear(2, 2)})\nmd[3] = nn.ReLU()\n',
    "called": 'md = nn.ModuleDict({"a": nn.Linear(2, 2)})\ny = md(torch.ones(2))\n',
    "not_a_module": 'md = nn.ModuleDict({"a": 3})\n',
    "dotted_key": 'md = nn.ModuleDict()\nmd["a.b"] = nn.ReLU()\n',
    "no_append": 'md = nn.ModuleDict()\nmd.append(nn.ReLU())\n',
    "a_tensor": 'md = nn.ModuleDict()\nmd["w"] = torch.ones(2, dtype=torch.float64)\n',
}


def test_module_dict_errors_are_torchs_own() -> None:
    theirs = by_name({name: HEAD + code for name, code in ERRORS.items()})
    for name, code in ERRORS.items():
        ours = engine_side(HEAD + code)
        assert theirs[name]["error"] is not None, name
        assert ours.get("error") is not None, (name, ours)
        assert ours["error"]["type"] == theirs[name]["error"]["type"], name
        assert ours["error"]["message"] == theirs[name]["error"]["message"], name


TUTORIAL_HOOKS = HEAD + """
model = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 2))
def hook_forward(module_name, grads):
    def hook(module, args, output):
        output.register_hook(hook_backward(module_name, grads))
    return hook
def hook_backward(module_name, grads):
    def hook(grad):
        grads.append((module_name, grad))
    return hook
grads = []
for name, layer in model.named_modules():
    if any(layer.children()) is False:
        layer.register_forward_hook(hook_forward(name, grads))
x = torch.randn(5, 4)
for epoch in range(2):
    grads.clear()
    model(x).sum().backward()
means = [g.abs().mean() for _, g in grads]
"""


def test_what_module_hooks_collect_is_computed_with_as_torch_fills_it() -> None:
    """The forward hooks run and register tensor hooks that fill `grads` while backward
    runs (the last layer's first); clearing it empties it, and the means computed from it
    are torch's: a leaf weighted by them gets them as its .grad."""
    probe = ("probe = torch.ones(len(means), requires_grad=True)\n"
             "(probe * torch.stack(means)).sum().backward()\n")
    (theirs,) = by_name({"t": TUTORIAL_HOOKS + probe}).values()
    assert theirs["error"] is None and len(theirs["grads"]["probe"]) == 3
    assert agrees(engine_side(TUTORIAL_HOOKS + probe), theirs) is None
