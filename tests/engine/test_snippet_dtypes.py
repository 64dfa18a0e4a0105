"""Snippets in float16, bfloat16, int32, int16, int8 and uint8 — `.half()`, `dtype=torch.int32`,
`torch.ByteTensor([...])`, numpy's float16 arrays — read as plain torch runs them (in a
subprocess): the same leaf grads to the last bit (both sides compute in the same dtype with the
same kernels), and torch's own error where torch raises one: requires_grad on an int tensor,
cross_entropy with int32 targets, an op float16 does not implement on the CPU."""

from __future__ import annotations

from typing import Any

import pytest
from test_corpus import agrees, engine_side
from torch_reference import by_name

from engine.snippets.reader import import_snippet

SNIPPETS = {
    "half_backward_through_matmul_and_tanh": """import torch
torch.manual_seed(0)
w = torch.randn(4, 3).half().requires_grad_()
x = torch.randn(5, 4, dtype=torch.float16)
y = torch.tanh(x @ w)
loss = (y * y).mean()
loss.backward()
""",
    "bfloat16_leaf_through_sigmoid": """import torch
a = torch.tensor([0.3, -1.7, 2.2], dtype=torch.bfloat16, requires_grad=True)
b = torch.sigmoid(a * 3).sum()
b.backward()
""",
    "half_losses": """import torch
import torch.nn.functional as F
p = torch.tensor([0.1, 0.7, 0.2], dtype=torch.float16, requires_grad=True)
t = torch.tensor([0.0, 1.0, 0.0], dtype=torch.float16)
loss = F.mse_loss(p, t) + F.binary_cross_entropy(p, t)
loss.backward()
""",
    "half_output_with_a_half_gradient": """import torch
x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float16, requires_grad=True)
y = x * x
y.backward(torch.tensor([0.1, 1.0, 0.3], dtype=torch.float16))
""",
    "to_half_and_type_half_tensor": """import torch
x = torch.tensor([1.7, 2.2, -3.9], requires_grad=True)
h = x.to(torch.float16)
q = x.type(torch.HalfTensor)
z = x.type('torch.BFloat16Tensor')
y = (h.exp() * 2).sum() + (q * q).sum() + z.sum().float()
y.backward()
""",
    "every_cast_method": """import torch
w = torch.tensor([0.5, -1.5, 2.5], requires_grad=True)
i, s, c, b = w.int(), w.short(), w.char(), w.byte()
h, f = w.half(), w.bfloat16()
print(i, s, c, b)
y = (w * i).sum() + (w * s).sum() + (w * c).sum() + (w * b).sum() + (h * h).sum() + (f * 3).sum()
y.backward()
""",
    "typed_tensor_classes": """import torch
a = torch.IntTensor([1, 2, 3])
b = torch.ShortTensor([4, 5, 6])
c = torch.CharTensor([-1, 2, 3])
d = torch.ByteTensor([7, 8, 255])
w = torch.tensor([0.5, 1.5, 2.5], requires_grad=True)
y = (w * a).sum() + (w * b).sum() + (w * c).sum() + (w * d).sum()
print(a + b, c * d)
y.backward()
""",
    "dtype_given_to_creation_functions": """import torch
torch.manual_seed(2)
z = torch.zeros(3, dtype=torch.int16)
o = torch.ones(2, 3, dtype=torch.half)
r = torch.arange(5, dtype=torch.int8)
e = torch.eye(3, dtype=torch.uint8)
q = torch.full((2,), 7, dtype=torch.short)
l = torch.linspace(0, 1, 4, dtype=torch.bfloat16)
x = torch.randn(3, dtype=torch.bfloat16, requires_grad=True)
t = torch.rand(2, 3, dtype=torch.float16, requires_grad=True)
y = (x * z).sum() + (x.float() * l[:3].float()).sum() + (t * o).sum() + (t * e[:2]).sum()
print(r, q)
y.backward()
""",
    "spellings_int_short_half_and_a_dtype_name": """import torch
dt = torch.half
x = torch.tensor([1.0, 3.0], dtype=dt, requires_grad=True)
k = torch.tensor([2, 5], dtype=torch.int)
m = torch.tensor([1, 1], dtype=torch.short)
if x.dtype == torch.float16:
    y = (x ** 2 * k * m).sum()
else:
    y = x.sum()
y.backward()
""",
    "uint8_class_labels_for_cross_entropy": """import torch
import torch.nn as nn
logits = torch.tensor([[1.0, 2.0, 0.5], [0.1, -0.3, 0.9]], requires_grad=True)
labels = torch.ByteTensor([1, 2])
loss = nn.CrossEntropyLoss()(logits, labels)
loss.backward()
""",
    "numpy_float16_and_int32_arrays": """import numpy as np
import torch
a = np.array([1.5, 2.25, -0.5], dtype=np.float16)
b = np.array([1, 2, 3], dtype=np.int32)
c = np.arange(3, dtype=np.int8)
x = torch.from_numpy(a).requires_grad_()
y = (x * torch.from_numpy(b)).sum() + (x * torch.from_numpy(c)).sum()
y.backward()
""",
    "mixed_half_float_and_int32": """import torch
a = torch.tensor([0.1, 0.2, 0.3], dtype=torch.float16, requires_grad=True)
b = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
c = torch.tensor([7, 8, 9], dtype=torch.int32)
y = (a * b * c).sum() + (a * (c // 2)).sum()
y.backward()
""",
    "bfloat16_second_order_through_autograd_grad": """import torch
x = torch.tensor([0.5, 1.5], dtype=torch.bfloat16, requires_grad=True)
y = x.pow(3).sum()
g, = torch.autograd.grad(y, x, create_graph=True)
g.sum().backward()
""",
    "half_jacobian_of_a_function": """import torch
def f(x):
    return x.sin() * 2
x = torch.tensor([0.5, 1.5], dtype=torch.float16)
J = torch.autograd.functional.jacobian(f, x)
""",
    "half_linear_layer_made_in_float16": """import torch
import torch.nn as nn
torch.manual_seed(0)
lin = nn.Linear(3, 2, dtype=torch.float16)
weight, bias = lin.weight, lin.bias
x = torch.randn(4, 3, dtype=torch.float16)
lin(x).sum().backward()
""",
    "model_made_in_float16_then_half_and_to_change_nothing": """import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 2, dtype=torch.float16), nn.Tanh())
weight, bias = model[0].weight, model[0].bias
model.to(torch.float16)
model.half()
x = torch.randn(4, 3, dtype=torch.float16)
model(x).sum().backward()
""",
    "float_of_a_float32_model_changes_nothing": """import torch
import torch.nn as nn
torch.manual_seed(0)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
    def forward(self, x):
        return self.fc(x).relu()
net = Net().float()
weight, bias = net.fc.weight, net.fc.bias
net.to(torch.float32)
x = torch.randn(4, 3)
net(x).sum().backward()
""",
    "float16_sgd_with_momentum_training": """import torch
torch.manual_seed(0)
w = torch.randn(3, dtype=torch.float16, requires_grad=True)
x = torch.randn(8, 3, dtype=torch.float16)
t = torch.randn(8, dtype=torch.float16)
opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
for i in range(5):
    opt.zero_grad()
    loss = ((x @ w - t) ** 2).mean()
    loss.backward()
    opt.step()
loss = ((x @ w - t) ** 2).mean()
loss.backward()
""",
    "bfloat16_updates_by_hand": """import torch
w = torch.tensor([1.0, -2.0, 0.5], dtype=torch.bfloat16, requires_grad=True)
for i in range(4):
    loss = (w ** 2).sum()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad.zero_()
loss = (w ** 3).sum()
loss.backward()
""",
    "float16_adam_steps": """import torch
torch.manual_seed(1)
w = torch.randn(4, dtype=torch.float16, requires_grad=True)
opt = torch.optim.Adam([w], lr=0.05)
for i in range(3):
    opt.zero_grad()
    (w.exp() * w).sum().backward()
    opt.step()
(w.exp() * w).sum().backward()
""",
}

# torch raises: its type and words are the app's, at that line
RAISES = {
    "int32_targets_for_cross_entropy": """import torch
import torch.nn.functional as F
logits = torch.tensor([[1.0, 2.0, 0.5], [0.1, -0.3, 0.9]], requires_grad=True)
labels = torch.tensor([1, 2], dtype=torch.int32)
loss = F.cross_entropy(logits, labels)
loss.backward()
""",
    "requires_grad_on_an_int32_tensor": """import torch
x = torch.tensor([1, 2, 3], dtype=torch.int32, requires_grad=True)
""",
    "requires_grad_method_on_an_int32_tensor": """import torch
x = torch.tensor([1, 2, 3], dtype=torch.int32)
x.requires_grad_()
""",
    "requires_grad_attribute_on_a_byte_tensor": """import torch
x = torch.ByteTensor([1, 2, 3])
x.requires_grad = True
""",
    "det_float16_not_implemented_on_the_cpu": """import torch
a = torch.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=torch.float16, requires_grad=True)
d = torch.det(a)
d.backward()
""",
    "randn_of_an_int_dtype": """import torch
x = torch.randn(3, dtype=torch.int32)
""",
    "uint8_that_overflows": """import torch
a = torch.tensor([1, 300], dtype=torch.uint8)
""",
    "bfloat16_to_numpy": """import torch
x = torch.tensor([1.0, 2.0], dtype=torch.bfloat16)
a = x.numpy()
""",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name({**SNIPPETS, **RAISES})


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_read_as_plain_torch_runs_it_to_the_last_bit(
        name: str, reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference[name]
    assert theirs["error"] is None, theirs["error"]
    ours = engine_side(SNIPPETS[name])
    assert agrees(ours, theirs) is None, agrees(ours, theirs)
    assert ours["grads"] == theirs["grads"]  # exactly: the same dtype, the same kernels
    assert [c["jacobian"] for c in ours["calls"] if c["kind"] == "jacobian"] == \
        theirs["jacobians"]


@pytest.mark.parametrize("name", sorted(RAISES))
def test_torchs_own_error_where_torch_raises(name: str,
                                             reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference[name]
    assert theirs["error"] is not None
    ours = engine_side(RAISES[name])
    assert "refused" not in ours, ours["refused"]
    assert (ours["error"]["type"], ours["error"]["message"]) == \
        (theirs["error"]["type"], theirs["error"]["message"])


def test_the_reference_computes_in_the_dtypes_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    """The grads are float16/bfloat16 numbers (not float32 ones): the comparison sees the
    dtype, since float32 would give other digits."""
    half = reference["half_output_with_a_half_gradient"]["grads"]["x"]
    assert half == [0.199951171875, 4.0, 1.80078125]  # 2 * x * fp16(0.1), ... in float16
    assert half[0] != pytest.approx(0.2, abs=1e-6)
    assert reference["bfloat16_leaf_through_sigmoid"]["grads"]["a"] == \
        [0.6171875, 0.0177001953125, 0.0]
    assert reference["int32_targets_for_cross_entropy"]["error"]["message"] == \
        "expected target dtype to be Long or Byte, but got Int"
    assert reference["requires_grad_on_an_int32_tensor"]["error"]["message"] == \
        "Only Tensors of floating point and complex dtype can require gradients"
    assert "not implemented for 'Half'" in \
        reference["det_float16_not_implemented_on_the_cpu"]["error"]["message"]


def test_the_document_holds_each_dtype_as_torch_made_it() -> None:
    doc = import_snippet(SNIPPETS["every_cast_method"])
    dtypes = {n.params.get("dtype") for n in doc.nodes() if n.op == "to"}
    assert dtypes == {"int32", "int16", "int8", "uint8", "float16", "bfloat16"}
    doc = import_snippet(SNIPPETS["typed_tensor_classes"])
    held = {n.name: (n.dtype, n.value) for n in doc.nodes() if n.name in "abcd"}
    assert held == {"a": ("int32", [1, 2, 3]), "b": ("int16", [4, 5, 6]),
                    "c": ("int8", [-1, 2, 3]), "d": ("uint8", [7, 8, 255])}
    doc = import_snippet(SNIPPETS["numpy_float16_and_int32_arrays"])
    leaf = next(n for n in doc.leaves() if n.requires_grad)
    assert (leaf.dtype, leaf.value) == ("float16", [1.5, 2.25, -0.5])


def test_a_dtype_still_outside_names_the_ones_read() -> None:
    ours = engine_side("import torch\nx = torch.ones(2, dtype=torch.complex64)\n")
    assert ours["refused"].startswith("line 2, column 25: dtype torch.complex64 is not "
                                      "supported; use one of float32, float64, float16, "
                                      "bfloat16, int64, int32, int16, int8, uint8 or bool")


@pytest.mark.parametrize(("line", "dtype"), [("model.half()", "float16"),
                                             ("model.to(torch.bfloat16)", "bfloat16"),
                                             ("model.double()", "float64")])
def test_converting_a_models_parameters_before_use_agrees_with_torch(
        line: str, dtype: str) -> None:
    """torch converts the parameters it made in place; before anything used them the
    document's leaves take the new dtype too."""
    code = ("import torch\nimport torch.nn as nn\nmodel = nn.Linear(3, 2)\n"
            f"{line}\nx = torch.ones(1, 3, dtype=torch.{dtype})\n"
            "model(x).sum().backward()\nw = model.weight\nprint(w.dtype)\n")
    reference = by_name({"converted": code})["converted"]
    assert reference["grads"]["w"] == [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    assert reference["stdout"] == f"torch.{dtype}\n"
    assert agrees(engine_side(code), reference) is None


def test_converting_a_models_parameters_after_use_is_refused_with_the_way_to_make_them(
        ) -> None:
    """Once the graph used them, torch's conversion happens behind the graph's leaves: the
    app asks for the layers to be made in that dtype instead (which it reads, above)."""
    ours = engine_side("import torch\nimport torch.nn as nn\nmodel = nn.Linear(3, 2)\n"
                       "y = model(torch.ones(1, 3))\nmodel.double()\n")
    assert ours["refused"] == (
        "line 5, column 1: model.double() changes the dtype of the parameters torch made, "
        "outside the computation Gradflow reads; give the layers dtype= where they are made, "
        "e.g. nn.Linear(2, 3, dtype=torch.float64)")
