"""The snippet's own nn.Module classes (engine/snippets/classes.py), against plain torch run in a
subprocess: every parameter's grad under torch's name with the model's name in front
(`model_fc1_weight` for `fc1.weight`), torch's names and order from named_parameters(),
torch.optim's zero_grad, the generated code, and the refusals of what is not read."""

from __future__ import annotations

import ast
from typing import Any

import pytest
from test_corpus import agrees, engine_side
from torch_reference import by_name, in_subprocess

from engine.snippets.codegen import generate
from engine.snippets.module_kinds import named_parameters_of
from engine.snippets.reader import _read, import_snippet
from engine.snippets.safety import scan
from engine.snippets.values import Module, Py

HEAD = "import torch\nimport torch.nn as nn\ntorch.manual_seed(0)\n"
# plain torch side only: each parameter under the leaf name the engine gives it
EXPOSE = ("\nfor _name, _p in model.named_parameters():\n"
          "    globals()['model_' + _name.replace('.', '_')] = _p\n"
          "del _name, _p\n")

AGREEING = {
    "one_layer": """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
    def forward(self, x):
        return self.fc(x)
model = Net()
x = torch.randn(4, 3)
model(x).sum().backward()
""",
    "two_layers_activation": """
class Net(torch.nn.Module):
    def __init__(self, hidden=4):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(2, hidden)
        self.act = nn.Tanh()
        self.fc2 = nn.Linear(hidden, 1)
    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))
model = Net(hidden=5)
x = torch.randn(3, 2)
loss = nn.MSELoss()(model(x), torch.ones(3, 1))
loss.backward()
""",
    "parameter_attribute_and_constant": """
class Scaled(nn.Module):
    SCALE = 3.0
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.w = nn.Parameter(torch.randn(2))
        self.offset = torch.tensor([0.5, -1.0])
        self.k = 2
    def forward(self, x):
        return (self.lin(x) * self.w + self.offset) ** self.k * self.SCALE
model = Scaled()
out = model(torch.randn(5, 2)).mean()
out.backward()
""",
    "helper_method_and_forward_call": """
class Net(nn.Module):
    def __init__(self):
        nn.Module.__init__(self)
        self.fc1 = nn.Linear(3, 4)
        self.fc2 = nn.Linear(4, 2)
    def hidden(self, x):
        return torch.relu(self.fc1(x))
    def forward(self, x):
        return self.fc2(self.hidden(x))
model = Net()
y = model.forward(torch.randn(2, 3))
y.backward(torch.tensor([[1.0, -1.0], [0.5, 2.0]]))
""",
    "forward_called_twice": """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)
    def forward(self, x):
        return torch.sigmoid(self.fc(x))
model = Net()
a = torch.randn(3, 2, requires_grad=True)
b = torch.randn(3, 2)
(model(a) * model(b)).sum().backward()
""",
    "named_parameters_loop_printing_grads": """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(4, 3)
        self.relu = nn.ReLU()
        self.layer2 = nn.Linear(3, 1)
    def forward(self, x):
        x = self.layer1(x)
        x = self.relu(x)
        return self.layer2(x)
model = Net()
loss = model(torch.randn(6, 4)).pow(2).sum()
loss.backward()
for name, param in model.named_parameters():
    print(name, param.grad)
""",
    "requires_grad_false_on_a_layer": """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 3)
        self.fc2 = nn.Linear(3, 1)
    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))
model = Net()
for p in model.fc1.parameters():
    p.requires_grad = False
model(torch.randn(2, 3)).sum().backward()
print(model.fc1.weight.grad)
""",
    "optimizer_zero_grad_between_two_backwards": """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
    def forward(self, x):
        return self.fc(x)
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
x = torch.randn(3, 2)
optimizer.zero_grad()
model(x).sum().backward()
optimizer.zero_grad()
(model(x) ** 2).sum().backward()
""",
    "model_zero_grad_then_accumulate": """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)
    def forward(self, x):
        return self.fc(x)
model = Net()
x = torch.randn(4, 2)
model(x).sum().backward()
model.zero_grad()
model(x).mean().backward()
model(x).mean().backward()
""",
    "sequential_inside_a_class": """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
        self.head = nn.Linear(2, 1)
    def forward(self, x):
        return self.head(self.body(x))
model = Net()
model(torch.randn(5, 3)).sum().backward()
""",
    "class_inside_a_sequential": """
class Block(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.fc = nn.Linear(n, n)
    def forward(self, x):
        return x + torch.tanh(self.fc(x))
model = nn.Sequential(Block(3), nn.ReLU(), Block(3))
model(torch.randn(2, 3)).sum().backward()
""",
    "buffer_and_adam_with_groups": """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 3)
        self.fc2 = nn.Linear(3, 1)
        self.register_buffer('shift', torch.tensor([1.0, 2.0]))
    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x + self.shift)))
model = Net()
optimizer = torch.optim.Adam([{'params': model.fc1.parameters()},
                              {'params': model.fc2.parameters(), 'lr': 0.01}], lr=0.001)
optimizer.zero_grad()
model(torch.randn(4, 2)).sum().backward()
""",
    "filtered_optimizer_and_unused_plain_class": """
class Dataset:
    def __init__(self):
        self.items = []
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 2)
        self.fc2 = nn.Linear(2, 1)
    def forward(self, x):
        return self.fc2(self.fc1(x))
model = Net()
model.fc1.weight.requires_grad = False
optimizer = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.1)
optimizer.zero_grad()
model(torch.randn(3, 2)).sum().backward()
""",
    "moved_to_the_cpu": """
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
    def forward(self, x):
        return self.fc(x)
model = Net().to(device)
lin = nn.Linear(2, 2).to("cpu").cpu()
model.eval()
y = lin(model(torch.randn(4, 3).to(device))).sum()
y.backward()
""",
    # torch's own errors, at the line that raises them
    "module_before_super_init": """
class Net(nn.Module):
    def __init__(self):
        self.fc = nn.Linear(2, 1)
        super().__init__()
model = Net()
""",
    "no_forward": """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)
model = Net()
y = model(torch.ones(2))
""",
    "bad_learning_rate": """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)
    def forward(self, x):
        return self.fc(x)
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=-1.0)
""",
}
RAISING = {"module_before_super_init", "no_forward", "bad_learning_rate"}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name({name: HEAD + code + ("" if name in RAISING else EXPOSE)
                    for name, code in AGREEING.items()})


@pytest.mark.parametrize("name", sorted(AGREEING))
def test_a_model_class_agrees_with_plain_torch(name: str,
                                               reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference[name]
    ours = engine_side(HEAD + AGREEING[name])
    assert agrees(ours, theirs) is None, agrees(ours, theirs)
    if name in RAISING:
        assert theirs["error"] is not None and ours["error"] is not None
        return
    model_grads = [n for n in theirs["grads"] if n.startswith("model_")]
    assert model_grads, theirs  # the parameters' grads are compared, not only the inputs'
    assert any(g is not None for g in theirs["grads"].values())


def test_parameter_leaves_carry_torchs_names_with_the_models_in_front() -> None:
    doc = import_snippet(HEAD + AGREEING["parameter_attribute_and_constant"])
    leaves = {n.name for n in doc.nodes() if n.op == "leaf"}
    assert {"model_w", "model_lin_weight", "model_lin_bias"} <= leaves
    doc = import_snippet(HEAD + AGREEING["sequential_inside_a_class"])
    leaves = {n.name for n in doc.nodes() if n.op == "leaf"}
    assert {"model_body_0_weight", "model_body_2_bias", "model_head_weight"} <= leaves


def _named_by_the_importer(code: str) -> list[str]:
    tree = ast.parse(code)
    importer = _read(tree, scan(tree), 0, {}, False)
    model = importer.env["model"]
    assert isinstance(model, Py) and isinstance(model.value, Module)
    return [name for name, _ in named_parameters_of(model.value)]


def test_named_parameters_gives_torchs_names_in_torchs_order() -> None:
    code = HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 3))
        self.scale = nn.Parameter(torch.ones(3))
        self.shared = nn.Linear(3, 3)
        self.again = self.shared
        self.out = nn.Linear(3, 1, bias=False)
    def forward(self, x):
        return self.out(self.again(self.enc(x)) * self.scale)
model = Net()
"""
    (theirs,) = in_subprocess([code + "print([n for n, _ in model.named_parameters()])"])
    assert theirs["error"] is None
    assert str(_named_by_the_importer(code)) == theirs["stdout"].strip()
    assert _named_by_the_importer(code)[0] == "scale"  # its own parameters come first


def test_generated_code_of_a_class_snippet_gives_torchs_grads() -> None:
    code = HEAD + AGREEING["two_layers_activation"]
    engine = engine_side(code)
    generated = generate(import_snippet(code))
    assert "class" not in generated  # written back as plain statements
    (theirs,) = in_subprocess([generated])
    assert theirs["error"] is None
    assert agrees(engine, theirs) is None, agrees(engine, theirs)
    assert {"model_fc1_weight", "model_fc2_bias"} <= set(theirs["grads"])


REFUSED = {
    "class_of_another_library_used": ("""
class Data(dict):
    def __init__(self):
        self.x = torch.ones(2)
d = Data()
""", 5, "the class Data derives from dict, outside the computation"),
    "inherits_a_user_class_and_another": ("""
class Base(nn.Module):
    def __init__(self):
        super().__init__()
class Net(Base, nn.Module):
    def forward(self, x):
        return x
model = Net()
""", 8, "inherits from the snippet's own class Base and from nn.Module: multiple inheritance"),
    "property_setter": ("""
class Net(nn.Module):
    @size.setter
    def size(self, value):
        pass
model = Net()
""", 6, "@property (a getter), @staticmethod, @classmethod"),
    "attribute_dunder": ("""
class Net(nn.Module):
    def __getattr__(self, name):
        return 1
model = Net()
""", 6, "Net.__getattr__ changes how Python treats the model"),
    "model_to_float64": ("""
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
model = Net()
y = model.fc(torch.ones(1, 3))
model.to(torch.float64)
""", 11, "changes the dtype of the parameters torch made"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_is_not_read_is_refused_where_it_is(name: str) -> None:
    code, line, words = REFUSED[name]
    message = engine_side(HEAD + code).get("refused", "")
    assert message.startswith(f"line {line}, column "), message
    assert words in message and "outside the computation Gradflow reads" in message, message


def test_a_custom_autograd_function_without_backward_fails_as_torch_fails() -> None:
    """Read as its forward's ops (test_snippet_custom_function.py); a backward that reaches
    it gets torch's own NotImplementedError, said at the Function's call."""
    code = HEAD + """
class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * x
x = torch.ones(2, requires_grad=True)
Square.apply(x).sum().backward()
"""
    message = engine_side(code)["refused"]
    assert message.startswith("line 10, column 1: Square.apply (at the backward call of line "
                              "10): NotImplementedError: You must implement either the "
                              "backward or vjp method"), message


def test_an_unused_class_changes_nothing() -> None:
    tail = "x = torch.randn(3, requires_grad=True)\n(x * x).sum().backward()\n"
    unused = ("class Loader:\n    def __iter__(self):\n        return self\n"
              "class Net(nn.Module):\n    K = torch.special.erf(torch.ones(1))\n"
              "    @property\n    def size(self):\n        return 3\n")
    (theirs,) = in_subprocess([HEAD + unused + tail])
    ours = engine_side(HEAD + unused + tail)
    assert agrees(ours, theirs) is None and ours["grads"] == engine_side(HEAD + tail)["grads"]
