"""numpy used as data in a snippet (engine/snippets/numpy_reader.py) and plots read as nothing
(plots.py), each snippet against plain torch and numpy running it in a subprocess.

A numpy value leaves no gradient of its own, so the snippets hand the arrays they compute to
a `probe` leaf whose loss is `(probe ** 2 / 2).sum()`: torch gives probe.grad == probe, so the
compared grads are the numbers numpy computed, in the importer and in the script."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from test_corpus import agrees, engine_side
from torch_reference import by_name

from engine.snippets.reader import ImportError_, TorchRaised, import_snippet

SNIPPETS = {
    "seeded_data_into_a_regression": """import numpy as np
import torch
np.random.seed(3)
features = np.random.randn(6, 2)
weights_true = np.array([0.7, -1.3])
targets = features @ weights_true + 0.05 * np.random.randn(6)
X = torch.from_numpy(features).float()
y = torch.tensor(targets, dtype=torch.float32)
w = torch.zeros(2, requires_grad=True)
b = torch.tensor(0.5, requires_grad=True)
probe = torch.tensor(np.hstack([features.ravel(), targets]), requires_grad=True)
loss = ((X @ w + b - y) ** 2).mean() + (probe ** 2 / 2).sum()
loss.backward()
""",
    "hand_gradient_checked_against_autograd": """import numpy as np
import torch
np.random.seed(7)
A = np.random.randn(3, 4)
v = np.random.randn(4)
W = np.random.randn(2, 3)
h = np.tanh(A @ v)
out = W @ h
# d(sum(out**2))/dW by hand: 2 * out (outer) h
grad_by_hand = 2.0 * np.outer(out, h)
W_t = torch.tensor(W, requires_grad=True)
h_t = torch.tanh(torch.tensor(A) @ torch.tensor(v))
(W_t @ h_t).pow(2).sum().backward()
print(np.allclose(grad_by_hand, W_t.grad.numpy()))
assert np.allclose(grad_by_hand, W_t.grad.detach().numpy())
probe = torch.tensor(grad_by_hand, requires_grad=True)
(probe ** 2 / 2).sum().backward()
""",
    "from_numpy_keeps_float64": """import numpy as np
import torch
grid = np.linspace(-1.0, 2.0, 7)
t = torch.from_numpy(grid).requires_grad_()
y = (t ** 3 - 2 * t).sum()
y.backward()
""",
    "numpy_of_a_tensor_that_requires_grad": """import numpy as np
import torch
x = torch.tensor([1.5, -0.5], requires_grad=True)
y = (x * x).sum()
y.backward()
values = x.numpy()
""",
    "softmax_jacobian_in_numpy_loops": """import numpy as np
import torch
z = np.array([0.5, -1.0, 2.0, 0.25])
s = np.exp(z - z.max()) / np.sum(np.exp(z - z.max()))
n = len(s)
J = np.zeros((n, n))
for i in range(n):
    for j in range(n):
        J[i, j] = s[i] * ((1.0 if i == j else 0.0) - s[j])
z_t = torch.tensor(z, requires_grad=True)
J_t = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, dim=0), z_t)
gap = np.abs(J - J_t.numpy()).max()
print(gap)
probe = torch.tensor(J, requires_grad=True)
(probe ** 2 / 2).sum().backward()
""",
    "results_plotted": """import numpy as np
import torch
import matplotlib.pyplot as plt
x = torch.linspace(-2, 2, 9, requires_grad=True)
y = torch.sigmoid(x)
y.sum().backward()
fig, axes = plt.subplots(1, 2, figsize=(8, 3))
axes[0].plot(x.detach().numpy(), y.detach().numpy(), label="sigmoid")
axes[1].plot(x.detach().numpy(), x.grad.numpy(), "--")
for ax in axes:
    ax.grid(True)
    ax.legend()
plt.title("sigmoid and its slope")
plt.show()
""",
    "a_plot_of_a_tensor_that_requires_grad": """import torch
import matplotlib.pyplot as plt
w = torch.tensor([0.5, 1.5], requires_grad=True)
loss = (w ** 2).sum()
loss.backward()
plt.figure()
plt.plot(w.numpy())
plt.show()
""",
    "an_array_changed_in_place_through_every_name": """import numpy as np
import torch
a = np.zeros((2, 3))
b = a
a[0, 1] = 4.0
b += 1
row = a[1]
row[2] = -3.0
a[:, 0] *= 2
probe = torch.tensor(b, requires_grad=True)
(probe ** 2 / 2).sum().backward()
""",
    "numpys_random_numbers_after_a_seed": """import numpy as np
import torch
np.random.seed(11)
order = np.random.permutation(5)
picked = np.random.choice(4, 3)
u = np.random.uniform(-1, 1, size=(2, 2))
g = np.random.normal(0.0, 2.0, 3)
k = np.random.randint(0, 10, size=4)
r = np.random.rand(2)
every = np.concatenate([order, picked, u.ravel(), g, k, r]).astype(np.float64)
probe = torch.tensor(every, requires_grad=True)
(probe ** 2 / 2).sum().backward()
""",
    "arrays_and_tensors_in_one_expression": """import numpy as np
import torch
scale = np.array([1.0, 2.0, 3.0])
w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
c = torch.ones(3) * scale
y = w * np.float64(0.5) + torch.as_tensor(scale) * w
z = (y ** 2).sum() + (c * w).sum() + w @ torch.tensor(scale, dtype=torch.float32)
z.backward()
""",
    "a_tensor_that_requires_grad_times_an_array": """import numpy as np
import torch
scale = np.array([1.0, 2.0])
w = torch.tensor([0.5, -1.0], requires_grad=True)
y = (w * w).sum()
y.backward()
z = w * scale
""",
    "an_array_times_a_tensor": """import numpy as np
import torch
scale = np.array([1.0, 2.0])
w = torch.tensor([0.5, -1.0], requires_grad=True)
y = (w * w).sum()
y.backward()
z = scale * w
""",
    "reductions_and_shapes": """import numpy as np
import torch
m = np.arange(12, dtype=np.float64).reshape(3, 4) / 5.0 - 1.0
parts = [
    m.sum(axis=0), np.mean(m, axis=1, keepdims=True).ravel(), np.max(m, axis=1),
    np.argmax(m, axis=0).astype(np.float64), np.std(m, axis=0), m.var(axis=1),
    np.prod(m[:, :2] + 2, axis=1), np.linalg.norm(m, axis=1), [np.linalg.norm(m)],
    np.where(m > 0, m, 0.1 * m).ravel(), np.clip(m, -0.5, 0.5).ravel(),
    np.maximum(m, 0).ravel(), np.outer(m[0], m[1]).ravel(), np.vstack([m[0], m[2]]).ravel(),
    np.stack([m[1], m[2]], axis=1).ravel(), np.expand_dims(m[0], 0).squeeze(),
    np.dot(m, m.T).ravel(), (m @ np.ones(4)), np.exp(-m[0] ** 2), np.sign(m[1]),
    np.power(np.abs(m[2]), 1.5), np.square(m[0]), np.sqrt(np.abs(m[1])),
    np.eye(3).ravel(), np.full((2,), np.pi), np.ones_like(m[0]) * np.e,
    np.linspace(0, 1, 4), np.cumsum(m[0]), np.transpose(m)[0], m.T.flatten(),
    np.minimum(m[0], m[2]), [float(len(m)), float(m.shape[1]), float(m.ndim), m.min()],
]
flat = np.concatenate(parts)
total = 0.0
for row in m:
    total += row.sum()
probe = torch.tensor(np.append(flat, [total]), requires_grad=True)
(probe ** 2 / 2).sum().backward()
""",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name(SNIPPETS)


@pytest.mark.parametrize("name", list(SNIPPETS))
def test_a_snippet_with_numpy_agrees_with_plain_torch(
        name: str, reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference[name]
    assert agrees(engine_side(SNIPPETS[name]), theirs) is None
    if name not in ("numpy_of_a_tensor_that_requires_grad", "a_plot_of_a_tensor_that_requires_grad",
                    "an_array_times_a_tensor", "a_tensor_that_requires_grad_times_an_array"):
        assert theirs["error"] is None  # the snippet runs to its end in plain torch


def test_the_probes_hold_what_numpy_computed(reference: dict[str, dict[str, Any]]) -> None:
    """The probe's numbers are numpy's: with the seed, the same draws as the script's."""
    np.random.seed(11)
    order, picked = np.random.permutation(5), np.random.choice(4, 3)
    u, g = np.random.uniform(-1, 1, size=(2, 2)), np.random.normal(0.0, 2.0, 3)
    k, r = np.random.randint(0, 10, size=4), np.random.rand(2)
    every = np.concatenate([order, picked, u.ravel(), g, k, r])
    ours = engine_side(SNIPPETS["numpys_random_numbers_after_a_seed"])["grads"]["probe"]
    assert np.allclose(ours, every, rtol=1e-12)
    assert np.allclose(reference["numpys_random_numbers_after_a_seed"]["grads"]["probe"], every)
    changed = engine_side(SNIPPETS["an_array_changed_in_place_through_every_name"])
    assert changed["grads"]["probe"] == [[2.0, 5.0, 1.0], [2.0, 1.0, -3.0]]


def test_from_numpy_keeps_the_arrays_dtype() -> None:
    doc = import_snippet(SNIPPETS["from_numpy_keeps_float64"])
    assert doc.node(doc.leaves()[0].id).dtype == "float64"
    assert torch.from_numpy(np.linspace(-1.0, 2.0, 7)).dtype == torch.float64


@pytest.mark.parametrize(("name", "line"), [("numpy_of_a_tensor_that_requires_grad", 6),
                                             ("a_plot_of_a_tensor_that_requires_grad", 7),
                                             ("an_array_times_a_tensor", 7),
                                             ("a_tensor_that_requires_grad_times_an_array", 7)])
def test_torchs_and_numpys_errors_are_raised_at_their_line(
        name: str, line: int, reference: dict[str, dict[str, Any]]) -> None:
    with pytest.raises(TorchRaised) as raised:
        import_snippet(SNIPPETS[name])
    error = reference[name]["error"]
    assert (raised.value.error_type, raised.value.torch_message) == (
        error["type"], error["message"])
    assert raised.value.line == line
    if name == "an_array_times_a_tensor":
        assert error["message"] == ("unsupported operand type(s) for *: 'numpy.ndarray' "
                                    "and 'Tensor'")
    else:
        assert error["message"] == ("Can't call numpy() on Tensor that requires grad. "
                                    "Use tensor.detach().numpy() instead.")


@pytest.mark.parametrize(("code", "text"), [
    ("import numpy as np\nimport torch\nx = np.fft.fft(np.ones(4))\n",
     "np.fft.fft is not among the numpy functions Gradflow reads"),
    ("import numpy as np\nimport torch\nx = np.fft.fft(np.ones(2))\n",
     "np.fft.fft is not among the numpy functions Gradflow reads"),
    ("import numpy as np\nimport torch\na = np.ones(3)\na.tofile('x.bin')\n",
     ".tofile() of a numpy array is not among the methods Gradflow reads"),
    # (a write before the backward is the tensor's too: test_snippet_shared_arrays.py)
    ("import numpy as np\nimport torch\na = np.ones(3)\nt = torch.from_numpy(a)\n"
     "x = torch.ones(3, dtype=torch.float64, requires_grad=True)\n(t * x).sum().backward()\n"
     "a[0] = 5.0\n", "a[0] = 5.0 writes into a tensor's memory (torch.from_numpy(a) shares it)"),
    ("import numpy as np\nimport torch\nx = torch.ones(3, requires_grad=True)\nt = x * 2\n"
     "t.sum().backward()\na = t.detach().numpy()\na += 1\n",
     "a += 1 writes into a tensor's memory (t.detach().numpy() shares the tensor's memory)"),
])
def test_what_numpy_does_outside_the_reading_is_refused_by_name(code: str, text: str) -> None:
    with pytest.raises(ImportError_) as info:
        import_snippet(code)
    assert text in str(info.value)
    assert not isinstance(info.value, TorchRaised)
