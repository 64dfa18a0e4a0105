"""Forms a fresh round of learner code showed (plain torch in a subprocess): `gc.collect()` on a
line of its own, an instance of a custom Function (`exp = Exp(); exp.apply(x)`, which torch
still makes with a DeprecationWarning; calling the instance is torch's legacy RuntimeError),
`nn.AdaptiveMaxPool2d` / `F.adaptive_max_pool2d`, the tuple an earlier `autograd.grad` answered
passed on as outputs= (and grad_outputs=) of the next, and a write through `.data` of a leaf's
detach after a backward (the same memory: a step of the leaf), `z.copy_(v)` into a tensor of its
own (torch's `z[...] = v`: v broadcast and cast, its gradient passed back), `y.detach_()`,
text Python cannot parse (Python's SyntaxError where the script runs), `super(Name, self)` of a
name the script never defined (Python's NameError), `t._grad` (torch's alias of .grad) and a
layer's `.data` given a tensor of another dtype and shape before anything used it; `dir(z)` and
`help(f)` on a line of their own (a notebook's display), `np.diff`, `type()` of a numpy array,
each epoch's loss written into a history tensor (`losses[epoch] = loss`) across steps,
`nn.Sequential(OrderedDict([...]))` with its children's names, and a name numpy no longer has
(`np.float`: numpy's own AttributeError), and f-strings used as values (keys, comparisons),
which Python formats before anything uses them; `torch.set_default_tensor_type` of the default
(FloatTensor) changes nothing, of a type other than Float or Double is refused; a torch.func
transform held by a name and called inside a print is still read (the print shows its
answer); nn.init on a column of a plain tensor writes into that tensor, as torch does (a
view held by a name is refused: it was dropped before, a wrong number)."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F
from snippet_agreement import agreement_tests
from test_corpus import engine_side

EXP = """import torch
class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        result = torch.exp(i)
        ctx.save_for_backward(result)
        return result
    @staticmethod
    def backward(ctx, grad_output):
        result, = ctx.saved_tensors
        return grad_output * result
"""
SNIPPETS = {
    'gc_collect_between_lines': """import torch
import gc
x = torch.tensor([3., 4.], requires_grad=True)
y = (x * x * x).sum()
y.backward()
gc.collect()
torch.cuda.empty_cache()
print(x.grad)
""",
    'function_instance_apply': EXP + """exp = Exp()
x = torch.tensor([0.5, -1.0], requires_grad=True)
y = exp.apply(x * 2)
y.sum().backward()
print(x.grad)
""",
    'function_instance_called': EXP + """exp = Exp()
x = torch.tensor([0.5, -1.0], requires_grad=True)
y = exp(x)
""",
    'adaptive_max_pool': """import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)
x = torch.randn(1, 2, 5, 6, requires_grad=True)
pool = nn.AdaptiveMaxPool2d((2, 3))
y = pool(x)
z = F.adaptive_max_pool2d(x * 2, 1)
(y.sum() + (z * z).sum()).backward()
print(y, x.grad)
""",
    'tuple_answer_passed_on_as_outputs': """import torch
x = torch.tensor([2.0, -1.0], requires_grad=True)
y = (x ** 3).sum()
dydx = torch.autograd.grad(y, x, create_graph=True)
d2 = torch.autograd.grad(dydx, x, grad_outputs=(torch.ones(2),), create_graph=True)
d3 = torch.autograd.grad(d2, x, grad_outputs=[torch.tensor([1.0, 2.0])])
print(dydx, d2, d3)
""",
    'detach_of_a_leaf_written_after_backward': """import torch
w = torch.tensor([1.], requires_grad=True)
x = torch.tensor([2.], requires_grad=True)
y = torch.mul(torch.add(w, x), torch.add(w, 1))
y.backward()
w_detach = w.detach()
w_detach.data[0] = 999
print(w)
print(w_detach)
z = (w * x).sum()
z.backward()
print(w.grad, x.grad)
""",
    'copy_into_a_buffer': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
buf = torch.zeros(3, 2, dtype=torch.float64)
buf.copy_(w * 3)
loss = (buf ** 2).sum()
loss.backward()
print(buf, w.grad)
""",
    'copy_into_a_target_network': """import torch
import torch.nn as nn
torch.manual_seed(0)
net = nn.Linear(2, 1)
target = nn.Linear(2, 1)
x = torch.tensor([[1.0, -1.0]])
loss = (net(x) - target(x)).pow(2).sum()
loss.backward()
with torch.no_grad():
    for p, q in zip(target.parameters(), net.parameters()):
        p.copy_(0.5 * p + 0.5 * q)
loss2 = (net(x) - target(x)).pow(2).sum()
net.zero_grad()
loss2.backward()
print(net.weight.grad, target.weight)
""",
    'copy_into_a_leaf': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
w.copy_(torch.ones(2))
""",
    'detach_in_place': """import torch
x = torch.tensor([1.0, -3.0], requires_grad=True)
y = x * 2
y.detach_()
z = (y * x).sum()
z.backward()
print(y.requires_grad, x.grad)
""",
    'syntax_error_in_a_number': """import torch
x = torch.ones(2, requires_grad=True)
lr = 1e - 6
""",
    'super_of_an_undefined_class': """import torch
class Logistic(torch.nn.Module):
    def __init__(self):
        super(LinearModel, self).__init__()
        self.fc = torch.nn.Linear(1, 1)
model = Logistic()
""",
    'private_grad_alias': """import torch
a = torch.tensor([2.0, 3.0], requires_grad=True)
b = a * a
b.retain_grad()
b.sum().backward()
print(a._grad, b._grad)
""",
    'data_swapped_for_float64_weights': """import torch
import torch.nn as nn
x = torch.tensor([[1, 2]], dtype=float)
model = nn.Linear(2, 1)
model.weight.data = torch.tensor([[1, -1]], dtype=float)
model.bias.data = torch.tensor([0.5], dtype=float)
loss = ((model(x) - 8) ** 2).sum()
loss.backward()
print(model.weight.grad, model.bias.grad)
""",
    'data_swapped_for_a_vector': """import torch
import torch.nn as nn
x = torch.tensor([1, 2], dtype=float)
model = nn.Linear(2, 1)
model.weight.data = torch.tensor([1, 1], dtype=float)
pred = model(x)
""",
    'notebook_dir_and_numpy_diff': """import torch
import numpy as np
x = torch.linspace(0, 1, 5, requires_grad=True)
y = x.detach().numpy() ** 3
slope = np.diff(y) / np.diff(x.detach().numpy())
print(type(y), np.corrcoef(y, x.detach().numpy())[0, 1])
w = torch.tensor(slope, requires_grad=True)
z = (w * w).sum() + (x ** 3).sum()
dir(z)
help(torch.sum)
z.backward()
print(w.grad, x.grad)
""",
    'loss_history_across_steps': """import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Linear(2, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.tensor([[1.0, 2.0], [0.5, -1.0]])
y = torch.tensor([[1.0], [0.0]])
losses = torch.zeros(4)
for epoch in range(4):
    loss = nn.MSELoss()(model(x), y)
    losses[epoch] = loss
    opt.zero_grad()
    loss.backward()
    opt.step()
print(losses.detach(), model.weight.grad)
""",
    'sequential_of_an_ordered_dict': """import torch
import torch.nn as nn
from collections import OrderedDict
torch.manual_seed(0)
model = nn.Sequential(OrderedDict([
    ("fc1", nn.Linear(3, 4)),
    ("act", nn.Tanh()),
    ("fc2", nn.Linear(4, 1)),
]))
x = torch.randn(5, 3)
loss = model(x).pow(2).mean()
loss.backward()
names = [name for name, _ in model.named_parameters()]
print(names, model.fc2.bias.grad)
""",
    'numpy_float_alias_removed': """import numpy as np
import torch
x = torch.ones(2, requires_grad=True)
a = np.array([1, 2], dtype=np.float)
""",
    'f_strings_as_keys_and_in_a_comparison': """import torch
device = torch.device("cpu")
same = f"{device}" == "cpu"
x = torch.tensor([1.0, 2.0], requires_grad=True)
layers = {}
for i in range(2):
    layers[f"fc{i}"] = x * (i + 1)
total = sum(layers.values()).sum() * (2.0 if same else 1.0)
total.backward()
print(len(layers), x.grad, f"{x.grad[0]:.3f}")
""",
    'default_tensor_type_of_the_default': """import torch
torch.set_default_tensor_type('torch.FloatTensor')
torch.set_default_tensor_type(torch.FloatTensor)
x = torch.tensor([1.0, 3.0], requires_grad=True)
(x * x).sum().backward()
print(x.grad)
""",
    'named_transform_called_in_a_print': """import torch
from torch.func import grad, jacrev
def f(x):
    return (x ** 3).sum()
df = grad(f)
J = jacrev(torch.sin)
x = torch.tensor([1.0, 2.0])
print(df(x), torch.allclose(J(x), torch.diag(torch.cos(x))))
""",
    'init_of_a_column': """import torch
X = torch.zeros(3, 2)
torch.nn.init.constant_(X[:, 1], 0.5)
w = torch.ones(2, requires_grad=True)
(X @ w).sum().backward()
print(w.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["function_instance_called"]["error"]["type"] == "RuntimeError"
    assert reference["function_instance_apply"]["grads"]["x"] is not None


def test_a_function_instance_applies_the_class() -> None:
    ours = engine_side(SNIPPETS["function_instance_apply"])
    x = torch.tensor([0.5, -1.0])
    assert ours["grads"]["x"] == pytest.approx((2 * torch.exp(2 * x)).tolist())


def test_calling_the_instance_is_torchs_legacy_error() -> None:
    ours = engine_side(SNIPPETS["function_instance_called"])
    assert ours["error"]["type"] == "RuntimeError"
    assert ours["error"]["message"].startswith("Legacy autograd function with non-static")


def test_gc_collect_in_an_expression_is_refused_with_what_is_read() -> None:
    refused = engine_side("import torch\nimport gc\nn = gc.collect()\n")["refused"]
    assert "a line of its own gc.collect()" in refused


def test_adaptive_max_pool_sends_the_gradient_to_each_windows_maximum() -> None:
    ours = engine_side(SNIPPETS["adaptive_max_pool"])
    torch.manual_seed(0)
    x = torch.randn(1, 2, 5, 6, requires_grad=True)
    z = F.adaptive_max_pool2d(x * 2, 1)
    (F.adaptive_max_pool2d(x, (2, 3)).sum() + (z * z).sum()).backward()
    assert x.grad is not None
    assert torch.allclose(torch.tensor(ours["grads"]["x"]), x.grad)


def test_an_answer_tuple_is_differentiated_again() -> None:
    ours = engine_side(SNIPPETS["tuple_answer_passed_on_as_outputs"])
    assert ours["error"] is None
    x = torch.tensor([2.0, -1.0], requires_grad=True)
    (dydx,) = torch.autograd.grad((x ** 3).sum(), x, create_graph=True)
    (d2,) = torch.autograd.grad(dydx, x, torch.ones(2), create_graph=True)
    (d3,) = torch.autograd.grad(d2, x, torch.tensor([1.0, 2.0]))
    assert d3.tolist() == pytest.approx([6.0, 12.0])
    answers = [call["results"]["x"] for call in ours["calls"] if call["kind"] == "grad"]
    assert answers == [pytest.approx([12.0, 3.0]), pytest.approx(d2.tolist()),
                       pytest.approx(d3.tolist())]


def test_a_write_into_a_leafs_detach_is_the_leafs_next_numbers() -> None:
    ours = engine_side(SNIPPETS["detach_of_a_leaf_written_after_backward"])
    # first backward: w.grad = (w + 1) + (w + x) = 5, x.grad = w + 1 = 2; then w is 999
    assert ours["grads"]["w"] == pytest.approx([5.0 + 2.0])
    assert ours["grads"]["x"] == pytest.approx([2.0 + 999.0])


def test_copy_passes_the_gradient_back_summed_over_the_broadcast() -> None:
    ours = engine_side(SNIPPETS["copy_into_a_buffer"])
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    buf = torch.zeros(3, 2, dtype=torch.float64)
    buf.copy_(w * 3)
    (buf ** 2).sum().backward()
    assert w.grad is not None
    assert ours["grads"]["w"] == pytest.approx(w.grad.tolist())  # 3 rows of 2·(3w)·3


def test_copy_into_a_leaf_is_torchs_error_and_detach_in_place_cuts_the_graph() -> None:
    assert engine_side(SNIPPETS["copy_into_a_leaf"])["error"]["message"].startswith(
        "a leaf Variable that requires grad is being used in an in-place operation")
    assert engine_side(SNIPPETS["detach_in_place"])["grads"]["x"] == pytest.approx([2.0, -6.0])


def test_text_python_cannot_parse_is_pythons_syntax_error(tmp_path: Any) -> None:
    import subprocess
    import sys

    script = tmp_path / "broken.py"
    script.write_text(SNIPPETS["syntax_error_in_a_number"])
    done = subprocess.run([sys.executable, "-m", "engine.cli", "compute", "--json",
                           str(script)], capture_output=True, text=True, timeout=120)
    python = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            timeout=120)
    assert done.returncode == 1 == python.returncode
    import json

    error = json.loads(done.stdout)["error"]
    assert f"{error['type']}: {error['message']}" == python.stderr.strip().splitlines()[-1]
    assert error["line"] == 3


def test_super_looks_its_class_name_up_and_grad_alias_reads_grad() -> None:
    assert engine_side(SNIPPETS["super_of_an_undefined_class"])["error"] == {
        "type": "NameError", "message": "name 'LinearModel' is not defined", "node": None,
        "call": None}
    assert engine_side(SNIPPETS["private_grad_alias"])["grads"]["a"] == pytest.approx([4.0, 6.0])


def test_float64_weights_swapped_in_by_data_give_torchs_gradients() -> None:
    ours = engine_side(SNIPPETS["data_swapped_for_float64_weights"])
    w = torch.tensor([[1.0, -1.0]], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([0.5], dtype=torch.float64, requires_grad=True)
    x = torch.tensor([[1.0, 2.0]], dtype=torch.float64)
    ((x @ w.T + b - 8) ** 2).sum().backward()
    assert w.grad is not None and b.grad is not None
    assert ours["grads"]["model_weight"][0] == pytest.approx(w.grad.tolist()[0])
    assert ours["grads"]["model_bias"] == pytest.approx(b.grad.tolist())


def test_numpy_diff_makes_the_next_leaf() -> None:
    import numpy as np

    ours = engine_side(SNIPPETS["notebook_dir_and_numpy_diff"])
    x = np.linspace(0, 1, 5, dtype=np.float32)
    slope = np.diff(x ** 3) / np.diff(x)
    assert ours["grads"]["w"] == pytest.approx((2 * slope).tolist(), rel=1e-5)


def test_each_epochs_loss_lands_in_the_history(reference: dict[str, dict[str, Any]]) -> None:
    ours = engine_side(SNIPPETS["loss_history_across_steps"])
    torch.manual_seed(0)
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.tensor([[1.0, 2.0], [0.5, -1.0]])
    y = torch.tensor([[1.0], [0.0]])
    for _ in range(4):
        loss = torch.nn.MSELoss()(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert model.weight.grad is not None
    assert ours["grads"]["model_weight"][0] == pytest.approx(model.weight.grad.tolist()[0])
    assert reference["loss_history_across_steps"]["error"] is None


def test_an_ordered_dicts_names_name_the_layers() -> None:
    ours = engine_side(SNIPPETS["sequential_of_an_ordered_dict"])
    torch.manual_seed(0)
    fc1, fc2 = torch.nn.Linear(3, 4), torch.nn.Linear(4, 1)
    x = torch.randn(5, 3)
    fc2(torch.tanh(fc1(x))).pow(2).mean().backward()
    assert fc2.bias.grad is not None
    assert ours["grads"]["model_fc2_bias"] == pytest.approx(fc2.bias.grad.tolist())
    assert engine_side(SNIPPETS["numpy_float_alias_removed"])["error"]["message"].startswith(
        "module 'numpy' has no attribute 'float'")


def test_f_strings_are_formatted_where_they_are_values() -> None:
    # two keys (fc0, fc1) and "cpu" == "cpu": 2 * (1 + 2) per element
    ours = engine_side(SNIPPETS["f_strings_as_keys_and_in_a_comparison"])
    assert ours["grads"]["x"] == pytest.approx([6.0, 6.0])


def test_another_default_tensor_type_is_refused() -> None:
    refused = engine_side("import torch\ntorch.set_default_tensor_type(torch.HalfTensor)\n"
                          )["refused"]
    assert "is read with torch.float32 or torch.float64" in refused


def test_init_of_a_column_writes_into_the_tensor() -> None:
    assert engine_side(SNIPPETS["init_of_a_column"])["grads"]["w"] == pytest.approx([0.0, 1.5])
    held = engine_side("import torch\nX = torch.zeros(3, 2)\nv = X[:, 1]\n"
                       "torch.nn.init.constant_(v, 0.5)\n")["refused"]
    assert "of a view of another tensor is not read" in held


def test_an_assert_left_unchecked_is_said_in_about_this_graph() -> None:
    from engine.snippets.reader import import_snippet

    kept = ("import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\n"
            "(x * x).sum().backward()\nfirst = x.grad.clone()\nx.grad.zero_()\n"
            "(x * x * 3).sum().backward()\nsecond = x.grad\n"
            "assert torch.allclose(first, second)\n")
    assert "The assert at line 8 was not checked" in import_snippet(kept).description
    checked = ("import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\n"
               "(x * x).sum().backward()\nassert torch.allclose(x.grad, 2 * x)\n")
    assert "not checked" not in import_snippet(checked).description
