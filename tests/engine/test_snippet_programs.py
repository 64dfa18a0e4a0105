"""Snippets with control flow, functions, no_grad, casts, indexing and modules: the
importer evaluates them itself; the engine's grads and errors equal plain torch's, run in a
subprocess."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from test_corpus import close, engine_side
from torch_reference import by_name

from engine import cli
from engine.snippets.reader import ImportError_, TorchRaised, import_snippet

H = "import torch\nimport torch.nn as nn\nimport math\ntorch.manual_seed(0)\n"
PROGRAMS = {
    "for_range_and_while": H + """x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = x
for i in range(3):
    y = y * 2 + i
while y.data.norm() < 500:
    y = y * 1.5
y.backward(torch.tensor([1.0, 0.1, 0.01]))
""",
    "for_over_list_tensor_rows_break_continue": H + """w = torch.randn(3, 2, requires_grad=True)
total = 0
for k, row in enumerate(w):
    if k == 1:
        continue
    total = total + (row * row).sum()
for v in [1.0, 2.0, 3.0, 4.0]:
    if v > 2.5:
        break
    total = total + v * w.sum()
else:
    total = total * 100
total.backward()
""",
    "def_lambda_recursion_defaults": H + """def square(t, k=2):
    return t ** k

def power(t, n):
    if n == 0:
        return t * 0 + 1
    return t * power(t, n - 1)

f = lambda t: square(t) + power(t, 3)
x = torch.tensor([1.5, -0.5], requires_grad=True)
loss = f(x).sum() + square(x, k=3).mean()
loss.backward()
""",
    "d2l_control_flow_function": H + """def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c

a = torch.randn(size=(), requires_grad=True)
d = f(a)
d.backward()
""",
    "tuple_and_augmented_assignment": H + """a, b = (torch.tensor([2., 3.], requires_grad=True),
        torch.tensor([6., 4.], requires_grad=True))
q, r = 3 * a ** 3, b ** 2
q -= r
q *= 0.5
q += a / b
q.sum().backward()
""",
    "no_grad_and_enable_grad": H + """x = torch.tensor([1.0, 2.0], requires_grad=True)
with torch.no_grad():
    c = x * 10
    with torch.enable_grad():
        e = x * 3
print(c.requires_grad, e.requires_grad)
(c * x + e).sum().backward()
""",
    "display_lines_main_and_prints": H + """x = torch.tensor([3.0], requires_grad=True)
x
x.grad
y = x * x
y
print(y.grad_fn)

if __name__ == "__main__":
    y.sum().backward()
x.grad
print(x.grad)
if x.grad is None:
    print("no grad")
""",
    "python_values_and_math": H + """n = len([1, 2, 3]) + abs(-2) + min(4, 5) + max([1, 7])
n = n + sum([1, 2])
scale = math.sqrt(n) * math.pi / math.e + math.exp(0.5) + math.log(2.0)
xs = [torch.tensor(float(i), requires_grad=True) for i in range(3)]
total = sum(x * scale for x in xs) + sum([x * scale for x in xs])
pairs = list(zip(xs, [1.0, 2.0, 3.0]))
for x, k in pairs:
    total = total + x ** k
total.backward()
""",
    "new_leaf_from_0d_tensors": H + """a = torch.tensor(2.0, requires_grad=True)
b = a * 3
c = torch.tensor([a, b], requires_grad=True)
(c * c).sum().backward()
""",
    "creation_forms": H + """i = torch.randint(0, 5, (3,))
r = torch.randint(10, size=(2,))
s = torch.linspace(0, 1, steps=3, requires_grad=True)
t = torch.FloatTensor([[1, 2], [3, 4]])
u = torch.DoubleTensor([1.0, 2.0]).requires_grad_()
idx = torch.LongTensor([0, 1])
z = (s * i.float()).sum() + (t @ t).sum() + u.sum() * idx.sum() + r.sum()
z.backward()
""",
    "casts": H + """x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
w = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
y = (x.double() * w).sum() + (w.float() * x).sum().to(torch.float64)
y = y + x.type(torch.float64).sum() + x.to(dtype=torch.float64).sum()
y = y + (w.half().float().double() if False else w).sum()
y.backward()
""",
    "variable_and_requires_grad_forms": H + """from torch.autograd import Variable
a = Variable(torch.ones(2, 2), requires_grad=True)
b = Variable(torch.FloatTensor([1.0, 2.0]))
c = torch.randn(2, 2)
c = (c * 3) / (c - 1)
c.requires_grad_(True)
d = torch.ones(2)
d.requires_grad = True
loss = (a @ c).sum() + (b * d).sum()
loss.backward()
""",
    "indexing_with_real_backward": H + """x = torch.arange(12.0).reshape(3, 4)
x.requires_grad_()
y = x[0].sum() + (x[:, 1] ** 2).sum() + x[1:3].mean() + x[-1, ::2].prod() if False else \\
    x[0].sum() + (x[:, 1] ** 2).sum() + x[1:3].mean() + (x[..., -1] * 2).sum() + x[2, 3]
y.backward()
""",
    "modules_and_losses": H + """x = torch.randn(4, 3)
target = torch.randn(4, 2)
model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2), nn.Sigmoid())
out = model(x)
fc = nn.Linear(2, 2, bias=False)
labels = torch.tensor([0, 1, 1, 0])
loss = nn.MSELoss()(out, target) + nn.L1Loss(reduction="sum")(fc(out), target)
loss = loss + nn.CrossEntropyLoss()(out, labels) + nn.BCELoss()(out, torch.rand(4, 2))
loss = loss + nn.NLLLoss()(torch.log_softmax(out, dim=1), labels)
loss = loss + nn.BCEWithLogitsLoss(reduction="mean")(out, torch.rand(4, 2))
loss.backward()
w0, b2, fw = model[0].weight, model[2].bias, fc.weight
""",
    "try_except_around_a_torch_error": H + """x = torch.tensor([1, 2])
try:
    x.requires_grad_()
except RuntimeError as e:
    print(e)
y = torch.tensor([1.0], requires_grad=True)
(y * 2).sum().backward()
""",
    "leaf_in_place_is_torchs_error": H + """x = torch.tensor([1.0, 2.0], requires_grad=True)
x += 1
""",
    "int_tensor_requires_grad_is_torchs_error": H + """a = torch.tensor([2, 3], requires_grad=True)
b = a * 2
""",
    "long_tensor_requires_grad_attribute": H + """x = torch.LongTensor([1, 2, 3])
x.requires_grad = True
""",
    "python_zero_division": H + """x = torch.tensor([1.0], requires_grad=True)
k = 1 / 0
""",
    "unpack_mismatch": H + """x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
a, b = x
""",
    "item_of_several_elements": H + """x = torch.tensor([1.0, 2.0], requires_grad=True)
if x.item() > 0:
    y = x
""",
    "register_hook_lambda_and_def": H + """x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
a = x * w
k = 3
h = a.exp()
a.register_hook(lambda g: g * k)
x.register_hook(lambda grad: -grad)
def halve(g):
    return g / 2
w.register_hook(halve)
w.register_hook(lambda g: print(g))
y = (h + a * 2).sum() + (x * x).sum()
y.backward()
""",
    "long_sum_chain": H + "x = torch.tensor([0.5, 2.0], requires_grad=True)\ny = "
    + " + ".join(["x"] * 2000) + "\ny.sum().backward()\n",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name(PROGRAMS)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_matches_plain_torch(name: str, reference: dict[str, dict[str, Any]]) -> None:
    ours = engine_side(PROGRAMS[name])
    theirs = reference[name]
    assert "refused" not in ours, ours
    for leaf, grad in theirs["grads"].items():
        assert leaf in ours["grads"], (leaf, sorted(ours["grads"]))
        assert close(ours["grads"][leaf], grad), (leaf, ours["grads"][leaf], grad)
    if theirs["error"] is None:
        assert ours["error"] is None or ours["error"]["message"] in theirs["stdout"]
    else:
        assert ours["error"] is not None
        assert (ours["error"]["type"], ours["error"]["message"]) == (
            theirs["error"]["type"], theirs["error"]["message"])
    if name not in ("leaf_in_place_is_torchs_error", "python_zero_division",
                    "unpack_mismatch", "item_of_several_elements",
                    "int_tensor_requires_grad_is_torchs_error",
                    "long_tensor_requires_grad_attribute"):
        assert any(g is not None for g in ours["grads"].values())


def test_module_parameters_are_named_leaves_with_torchs_numbers(
        reference: dict[str, dict[str, Any]]) -> None:
    ours = engine_side(PROGRAMS["modules_and_losses"])
    theirs = reference["modules_and_losses"]["grads"]
    # named as the script ends with them (w0 = model[0].weight), else module_index_param
    assert {"w0", "b2", "fw", "model_0_bias", "model_2_weight"} == set(ours["grads"])
    for name in ("w0", "b2", "fw"):
        assert close(ours["grads"][name], theirs[name])


def test_torch_error_reaches_compute_with_exit_1(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "snippet.py"
    path.write_text(PROGRAMS["int_tensor_requires_grad_is_torchs_error"], encoding="utf-8")
    assert cli.main(["compute", str(path), "--json"]) == cli.EXIT_TORCH
    data = json.loads(capsys.readouterr().out)
    assert data["error"]["type"] == "RuntimeError"
    assert data["error"]["message"] == ("Only Tensors of floating point and complex dtype can "
                                        "require gradients")
    with pytest.raises(TorchRaised) as info:
        import_snippet(PROGRAMS["int_tensor_requires_grad_is_torchs_error"])
    assert (info.value.line, info.value.col) == (5, 5)


LIMITS = [
    ("x = 0x" + "f" * 4000 + "\n", "over the limit of 4,000 digits in one integer"),
    ("a = 999999 ** 64\n" + "a *= a\n" * 16, "over the limit of 4,000 digits"),
    ("x = torch.arange(1e999)\n", "too large to be finite"),
    ("x = torch.arange(math.inf)\n", "cannot convert float infinity to integer"),
    ("while True:\n    pass\n", "over the limit of 100,000 "),
    ("def f(n):\n    return f(n + 1)\nf(0)\n", "over the limit of 50 nested function calls"),
    ("x = torch.ones(4000, 1)\ny = x @ x.T\n",
     "over the limit of 10,000,000 elements in one tensor (16,000,000)"),
    ("with open('f') as fh:\n    pass\n", "name 'open' is not defined"),
    ("import subprocess\n", "importing subprocess is not supported"),
    ("import numpy as np\nx = np.zeros((100000, 100000))\n",
     "over the limit of 10,000,000 elements in one tensor"),
    ("import numpy as np\nx = np.ones(4000)\ny = x[:, None] * x\n",
     "over the limit of 10,000,000 elements in one tensor"),
    ("from torch import optim\nw = torch.ones(2, requires_grad=True)\no = optim.SGD([w], lr=0.1)\n"
     "o.load_state_dict({})\n",
     "o.load_state_dict({}): an optimizer (torch.optim) updates the weights"),
    ("x = torch.FloatTensor(100000, 100000)\n",
     "over the limit of 10,000,000 elements in one tensor"),
    ("s = 'a' * 10 ** 9\n", "over the limit of 1,000,000 numbers written out in one value"),
    ("n = list(range(10 ** 9))\n", "over the limit of 100,000 loop iterations"),
    ("m = torch.normal(0, 1, size=(100000, 100000))\n",
     "over the limit of 10,000,000 elements in one tensor"),
    ("p = torch.randperm(10 ** 10)\n", "over the limit of 10,000,000 elements in one tensor"),
    ("x = torch.ones(1000)\ny = x.repeat(10 ** 7)\n",
     "over the limit of 10,000,000 elements in one tensor"),
    ("x = torch.ones(2)\ny = x.cummax(0)\n", ".cummax() is not in Gradflow's op list"),
]


def test_a_plot_reads_as_nothing_whether_or_not_matplotlib_is_installed() -> None:
    """Plot lines draw; they compute nothing the script goes on with (plots.py)."""
    code = ("import torch\nimport matplotlib.pyplot as plt\nx = torch.ones(2, requires_grad=True)\n"
            "y = (x * 3).sum()\ny.backward()\nplt.plot([1, 2], [3, 4])\nplt.show()\n")
    doc = import_snippet(code)
    assert [n.name for n in doc.leaves()] == ["x"]


@pytest.mark.parametrize(("body", "text"), LIMITS)
def test_limits_and_refusals_say_what_and_where(body: str, text: str) -> None:
    with pytest.raises(ImportError_) as info:
        import_snippet("import torch\nimport math\n" + body)
    assert not isinstance(info.value, TorchRaised)
    assert text in str(info.value)
    assert str(info.value).startswith(f"line {info.value.line}, column {info.value.col}: ")


def test_digit_estimate_refuses_before_computing() -> None:
    # 999999 ** 64 has 384 digits: accepted, and equal to Python's own number
    doc = import_snippet("import torch\na = 999999 ** 64\nx = torch.ones(1) * (a % 7)\n")
    assert any(n.value == (999999 ** 64) % 7 for n in doc.nodes() if n.op == "constant")
    assert math.log10(999999 ** 64) < 4000
