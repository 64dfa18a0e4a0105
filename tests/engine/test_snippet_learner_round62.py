"""Forms met in unseen learner code, each against plain torch in a subprocess: a tensor's own
attributes (`w.g = ...`, fastai-style backprop by hand) computed before a training step and
used after it, in the update itself and through a function set on the tensor
(`result.back = back`) whose closure holds the finished step's tensors; a name bound to a
.grad through `.numpy()`, `.detach()` or `.cpu()` (the same memory) and its items, used in the
update (a new leaf made each step from the numbers); numpy's item of it, a copy, used after
another backward is refused rather than read as the .grad of then; an op torch refuses
inside a `try` (shapes that do not match), whose except is taken where torch raises;
`x.requires_grad_(False)` then `(True)` with nothing between, after x was used: the graph
recorded before adds into x's .grad; ctx.saved_variables (saved_tensors' old name); a
Sequential's child named with a space (`add_module(f"block {i}", ...)`); an unused import of a
library of its own (PIL), refused where it is used; sys.path.append; a list's .copy(); star
imports of torch.utils.data and math; a @dataclass record of the snippet's own; numpy's shuffle
of a list of the script's (the list itself, shuffled in place: it was a copy); a list's sort
(by a key, in place), reverse, remove, index and count."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    'own_grads_by_hand_used_in_two_updates': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor(0.5, requires_grad=True)
x = torch.tensor([3.0, 4.0])
for i in range(3):
    y = (w * x).sum() + b
    w.g = x * y
    b.g = y * 1
    y.backward()
    b.data -= b.g * 0.01
    w.data -= w.g * 0.01
    w.grad.zero_()
    b.grad.zero_()
print(w, w.g, b)
""",
    'backward_by_hand_through_closures_after_the_step': """import torch
torch.manual_seed(0)
x = torch.rand(10)
y_true = 4 * x - 1

class MAELoss:
    def forward(self, y_true, y_pred):
        resid = y_true - y_pred
        result = resid.abs().mean()
        def back():
            y_pred.g = -resid.sign() / len(y_true)
            y_pred.back()
        result.back = back
        result.retain_grad()
        return result

class Linear:
    def __init__(self):
        self.w = torch.tensor(0.0, requires_grad=True)
        self.b = torch.tensor(0.0, requires_grad=True)

    def forward(self, x):
        result = self.w * x + self.b
        def back():
            self.w.g = result.g @ x
            self.b.g = result.g.sum()
        result.back = back
        result.retain_grad()
        return result

linear = Linear()
loss_layer = MAELoss()
y_pred = linear.forward(x)
loss = loss_layer.forward(y_true, y_pred)
loss.back(); loss.backward()
linear.b.data -= linear.b.g * 0.01
linear.w.data -= linear.w.g * 0.01
print(linear.w, linear.b)
loss.back()
linear.b.data -= linear.b.g * 0.01
print(linear.w.grad, linear.b.grad, linear.b)
w, b = linear.w, linear.b  # compared by name
""",
    'new_leaf_each_step_from_the_grads_numpy_items': """import torch
x = torch.tensor([-10, 20], dtype=float, requires_grad=True)
lr = 0.1
for i in range(3):
    y = (x * x).mean()
    y.backward()
    grad = x.grad.numpy()
    ag, bg = grad[0], grad[1]
    a, b = float(x.detach()[0]), float(x.detach()[1])
    x = torch.tensor([a - lr * ag, b - lr * bg], dtype=float, requires_grad=True)
    y2 = (x ** 3).sum()
y2.backward()
print(x, x.grad)
""",
    'update_through_grad_detached_and_through_its_view': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
for i in range(3):
    loss = (w ** 2).sum()
    loss.backward()
    g = w.grad.detach()
    first = w.grad.cpu().numpy()
    with torch.no_grad():
        w -= 0.1 * torch.as_tensor(g)
        w[0] -= 0.05 * float(first[0])
    w.grad.zero_()
(w ** 3).sum().backward()
print(w, w.grad)
""",
    'requires_grad_turned_off_and_on_after_use': """import torch
x = torch.ones(3, 3, requires_grad=True)
y = x + 2
z = y * y
x.requires_grad_(False)
print(x)
x.requires_grad_(True)
print(x)
out = z.mean()
out.backward()
print(x.grad)
w = torch.tensor([1.0, 2.0], requires_grad=True)
v = (w ** 3).sum()
w.requires_grad = False
w.requires_grad = True
v.backward()
""",
    'saved_variables_in_a_custom_backward': """import torch
from torch.autograd import Function

class MultiplyAdd(Function):
    @staticmethod
    def forward(ctx, w, x, b):
        ctx.save_for_backward(w, x)
        return w * x + b

    @staticmethod
    def backward(ctx, grad_output):
        w, x = ctx.saved_variables
        return grad_output * x, grad_output * w, grad_output

x = torch.tensor([3.0])
w = torch.tensor([2.0], requires_grad=True)
b = torch.tensor([0.5], requires_grad=True)
z = MultiplyAdd.apply(w, x, b)
print(z.grad_fn.apply(torch.ones(1)))
z.backward()
""",
    'a_block_named_with_a_space': """import torch
from torch import nn
torch.manual_seed(0)

def block2():
    net = nn.Sequential()
    for i in range(2):
        net.add_module(f"block {i}", nn.Sequential(nn.Linear(4, 4), nn.ReLU()))
    return net

rgnet = nn.Sequential(block2(), nn.Linear(4, 1))
X = torch.rand(2, 4)
loss = torch.mean(rgnet(X) ** 2, dim=0)
loss.backward()
print(rgnet[0][1][0].bias.grad)
bias = rgnet[0][1][0].bias
""",
    'unused_library_import_and_a_path_added': """import sys
sys.path.append('D:\\\\work\\\\venv')
sys.path.insert(0, '..')
import torch
import numpy as np
from PIL import Image

w = torch.tensor([1.0, -2.0], requires_grad=True)
grads = [w * 2, w * 3]
kept = grads.copy()
grads.append(w)
(kept[0] * kept[1]).sum().backward()
print(len(grads), len(kept), w.grad)
""",
    'star_imports_of_data_and_math': """import torch
from torch.utils.data import *
from math import *

class Pairs(Dataset):
    def __init__(self, X, y):
        self.X, self.y = X, y

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, i):
        return self.X[i], self.y[i]

torch.manual_seed(0)
X = torch.linspace(0, 1, 8).reshape(-1, 1)
y = sin(pi / 4) * X + 0.5
w = torch.zeros(1, requires_grad=True)
for xb, yb in DataLoader(Pairs(X, y), batch_size=4):
    loss = ((xb * w - yb) ** 2).mean()
    loss.backward()
print(w.grad)
""",
    'dataclass_records_shuffled_by_numpy': """import numpy as np
import torch
from dataclasses import dataclass
np.random.seed(2021)

@dataclass
class Point:
    x1: float
    y_true: int
    color: str = 'blue'

points = []
for i in range(6):
    points.append(Point(5 + 5 * np.random.randn(), i))
points.append(Point(1.0, 7, 'red'))
np.random.shuffle(points)
w = torch.tensor([1.0], requires_grad=True)
xs = torch.tensor([[p.x1] for p in points])
loss = (w * xs).sum() * points[0].y_true + w.sum() * len([p for p in points if p.color == 'red'])
loss.backward()
print(points[0])
""",
    'a_list_of_pairs_shuffled_by_numpy': """import numpy as np
import torch
np.random.seed(5)
idx = np.arange(8)
np.random.shuffle(idx)
pairs = [(i, i * 0.5) for i in range(8)]
np.random.shuffle(pairs)
w = torch.tensor(1.5, requires_grad=True)
loss = sum(w ** 2 * a * b for a, b in pairs[:3]) + w * float(idx[0])
loss.backward()
""",
    'list_methods_on_numbers': """import torch
import random
random.seed(1)
w = torch.tensor(2.0, requires_grad=True)
vals = [3.0, 1.0, 2.0, 5.0]
vals.sort()
vals.reverse()
random.shuffle(vals)
xs = list(vals)
xs.remove(5.0)
k = vals.index(1.0)
loss = sum(w * v * (i + 1) for i, v in enumerate(xs)) + w * k + w * vals.count(2.0)
loss.backward()
print(w.grad)
""",
    'tensors_sorted_by_their_value_in_place': """import torch
w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
parts = [w[0] * 2, w[1] ** 2, w[2] * w[0]]
parts.sort(key=lambda t: t.item())
loss = parts[0] * 1 + parts[1] * 10 + parts[2] * 100
loss.backward()
print(w.grad)
""",
    'a_number_missing_from_a_list': """import torch
xs = [1.0, 2.0]
xs.remove(3.0)
""",
}

# an op torch refuses inside a try: the except is taken where torch raises
CAUGHT = {"a_broadcast_error_caught": "y = w + torch.ones(3)",
          "a_linear_layer_of_the_wrong_width_caught": "y = torch.nn.Linear(3, 1)(w)",
          "a_backward_of_a_refused_dot_product_caught":
              "y = (w @ torch.ones(3)).sum(); y.backward()",
          "a_matrix_product_of_the_wrong_shapes_caught":
              "y = torch.mm(w.unsqueeze(0), torch.ones(3, 1))"}
SNIPPETS.update({name: f"""import torch
torch.manual_seed(0)
w = torch.ones(2, requires_grad=True)
y = w * 5
try:
    {body}
    print("no error")
except RuntimeError as e:
    print("caught", e)
(y * 2).sum().backward()
print(w.grad)
""" for name, body in CAUGHT.items()})

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    own = reference["own_grads_by_hand_used_in_two_updates"]
    assert own["grads"]["w"] == [0.0, 0.0] and "grad_fn=<MulBackward0>" in own["stdout"]
    closures = reference["backward_by_hand_through_closures_after_the_step"]
    assert abs(closures["grads"]["w"] + 0.4460) < 1e-4
    assert abs(closures["grads"]["b"] + 0.6) < 1e-6
    assert "tensor(0.0120, requires_grad=True)" in closures["stdout"]
    steps = reference["new_leaf_each_step_from_the_grads_numpy_items"]
    # the mean's gradient is x itself: each step scales x by 0.9
    expected = [3 * (-10 * 0.9 ** 3) ** 2, 3 * (20 * 0.9 ** 3) ** 2]
    assert max(abs(a - b) for a, b in zip(steps["grads"]["x"], expected, strict=True)) < 1e-9
    for name in CAUGHT:
        assert reference[name]["grads"]["w"] == [10.0, 10.0], name
        assert reference[name]["stdout"].startswith("caught "), name
    toggled = reference["requires_grad_turned_off_and_on_after_use"]["grads"]
    assert all(abs(g - 2 / 3) < 1e-6 for row in toggled["x"] for g in row)  # 2(x+2)/9
    assert toggled["w"] == [3.0, 12.0]
    saved = reference["saved_variables_in_a_custom_backward"]
    assert saved["grads"] == {"w": [3.0], "b": [1.0]}
    assert "(tensor([3.]), tensor([2.]" in saved["stdout"]
    assert reference["a_block_named_with_a_space"]["grads"]["bias"] is not None
    assert reference["unused_library_import_and_a_path_added"]["grads"]["w"] == [12.0, -24.0]
    assert reference["unused_library_import_and_a_path_added"]["stdout"].startswith("3 2 ")
    X = [i / 7 for i in range(8)]
    slope = math.sin(math.pi / 4)
    expected = sum(2 * (0 - slope * x - 0.5) * x for x in X) / 4  # two batches of 4, added
    assert abs(reference["star_imports_of_data_and_math"]["grads"]["w"][0] - expected) < 1e-5
    rng = np.random.RandomState(5)
    rng.shuffle(np.arange(8))
    order = list(range(8))
    rng.shuffle(order)  # the same draws a list of pairs gets
    first = [(i, i * 0.5) for i in order][:3]
    assert reference["a_list_of_pairs_shuffled_by_numpy"]["grads"]["w"] != 14.5
    assert abs(reference["a_list_of_pairs_shuffled_by_numpy"]["grads"]["w"] - (
        sum(2 * 1.5 * a * b for a, b in first) + float(np.random.RandomState(5).permutation(8)[0]))
        ) < 1e-5
    sorted_parts = reference["tensors_sorted_by_their_value_in_place"]["grads"]["w"]
    # w0·2 = 2, w1² = 4, w2·w0 = 3 sorted: w0·2 + 10·w2·w0 + 100·w1²
    assert sorted_parts == [2 + 10 * 3.0, 100 * 2 * 2.0, 10 * 1.0]
    assert reference["a_number_missing_from_a_list"]["error"]["message"] == \
        "list.remove(x): x not in list"
    assert "Point(x1=" in reference["dataclass_records_shuffled_by_numpy"]["stdout"]
    w = reference["update_through_grad_detached_and_through_its_view"]["grads"]["w"]
    assert abs(w[1] - 3 * (2 * 0.8 ** 3) ** 2) < 1e-4 and w[0] != 3 * (0.8 ** 3) ** 2


def test_numpys_item_of_a_grad_used_after_another_backward_is_refused() -> None:
    # numpy's item is a copy: torch uses the numbers of before the second backward
    refused = engine_side("""import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
(w ** 2).sum().backward()
g = w.grad.numpy()
a = g[0]
(w * 3).sum().backward()
with torch.no_grad():
    w -= 0.1 * a
""")
    assert "uses a .grad in a later computation" in refused["refused"]


def test_a_library_of_its_own_is_refused_where_it_is_used() -> None:
    refused = engine_side("""import torch
import numpy as np
from PIL import Image
w = torch.ones(2, requires_grad=True)
img = Image.fromarray(np.zeros((2, 2)))
""")["refused"]
    assert refused.startswith("line 5, column 7: Image.fromarray(np.zeros((2, 2))): the library "
                              "PIL is outside the computation Gradflow reads")
