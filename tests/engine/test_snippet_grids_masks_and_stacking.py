"""Pure-computation forms learners' scripts use next to autograd, each read as plain torch,
numpy and matplotlib run it (in a subprocess): `X, Y = np.meshgrid(x, y)` and numpy's other
array makers, `res[~np.isnan(res)]`, `plt.rcParams[...] = ...` (a plot setting: nothing),
`torch.finfo(...)`/`torch.iinfo(...)` numbers, and torch.hstack, vstack, row_stack,
column_stack and dstack with gradients flowing through them as torch's do.

A number numpy or torch.finfo gives leaves no gradient of its own, so the snippets hand it to
a float64 `probe` leaf whose loss is `(probe ** 2 / 2).sum()`: torch gives probe.grad ==
probe, so the compared grads are those numbers, in the importer and in the script."""

from __future__ import annotations

import math
from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import agrees, close, engine_side

from engine.limits import ELEMENTS_PER_TENSOR

SNIPPETS = {
    "meshgrid_of_a_function_and_its_lowest_point": """import numpy as np
import torch
def himmelblau(p):
    return (p[0] ** 2 + p[1] - 11) ** 2 + (p[0] + p[1] ** 2 - 7) ** 2
x = np.arange(-4, 4, 0.5)
y = np.linspace(-3, 3, 8)
X, Y = np.meshgrid(x, y)
Xi, Yi = np.meshgrid(x, y, indexing='ij')
Z = himmelblau([X, Y])
k = np.argmin(Z)
start = torch.tensor([X.ravel()[k], Y.ravel()[k]], requires_grad=True)
himmelblau(start).backward()
probe = torch.tensor(np.hstack([Z.ravel(), (Xi - Yi).ravel(), [X.shape[0], X.shape[1]]]),
                     requires_grad=True)
(probe ** 2 / 2).sum().backward()
""",
    "numpys_array_makers": """import numpy as np
import torch
x = np.arange(-2, 2, 0.5)
y = np.linspace(-1, 1, 5)
grid = np.stack([x[:5], y], axis=1)
rows = np.vstack([x, x * 2])
cols = np.column_stack([y, y ** 2])
deep = np.dstack([y, -y])
more = np.concatenate([np.tile(y, 2), np.repeat(y, 3), np.diagonal(rows), np.cumprod(y + 2),
                       np.logspace(0, 1, 4), np.flip(x), np.roll(x, 2),
                       np.triu(rows[:, :2]).ravel(),
                       np.arctan2(y, 1.5), np.hypot(y, 2.0), np.mod(x, 0.75),
                       np.unique(np.round(np.abs(x))), [np.nanmean(np.array([1.0, np.nan, 3.0]))],
                       [np.percentile(x, 30), np.average(y, weights=y + 2)],
                       np.kron([1.0, -1.0], y[:2]), np.linalg.solve(np.eye(2) * 2, y[:2])])
probe = torch.tensor(np.hstack([grid.ravel(), rows.ravel(), cols.ravel(), deep.ravel(), more]),
                     requires_grad=True)
(probe ** 2 / 2).sum().backward()
""",
    "a_numpy_mask_inverted": """import numpy as np
import torch
res = np.array([0.5, np.nan, 0.25, np.nan, 2.0])
kept = res[~np.isnan(res)]
flags = ~np.array([True, False, True])
ints = ~np.arange(3)
best = np.arange(0.1, 0.6, 0.1)[np.argmin(kept) + 1]
w = torch.tensor(best, requires_grad=True)
probe = torch.tensor(np.concatenate([kept, flags.astype(np.float64), ints.astype(np.float64),
                                     [float(~np.int64(5))]]), requires_grad=True)
loss = (w - 1) ** 2 + (probe ** 2 / 2).sum()
loss.backward()
""",
    "plot_settings_beside_the_gradient": """import torch
import matplotlib as mpl
import matplotlib.pyplot as plt
x = torch.linspace(-1., 1., steps=7).reshape(-1, 1)
x.requires_grad = True
y = torch.sin(torch.pi * x)
y.backward(gradient=torch.ones_like(y))
plt.rcParams['text.usetex'] = False
plt.rcParams['font.size'] = 12
plt.rcParams.update({'axes.grid': True, 'figure.dpi': 100})
mpl.rcParams['lines.linewidth'] = 2
fig = plt.figure(dpi=300)
ax = fig.add_subplot()
ax.plot(x.detach(), y.detach(), ls='--', label='$f$')
ax.plot(x.detach(), x.grad, ls=':', label='autograd')
ax.legend()
plt.close(fig)
""",
    "finfo_and_iinfo_numbers": """import torch
best = torch.finfo().max
info = torch.finfo(torch.float32)
w = torch.tensor([1.0, 2.0], requires_grad=True)
loss = (w ** 2).sum()
if loss.item() < best:
    best = loss.item()
probe = torch.tensor([best, info.eps, info.tiny, info.min, info.max, info.resolution,
                      info.smallest_normal, torch.finfo(torch.float64).eps,
                      torch.finfo(w.dtype).bits, torch.finfo(torch.float16).max,
                      torch.iinfo(torch.int32).max, torch.iinfo(torch.int64).min,
                      torch.iinfo(torch.uint8).bits, torch.finfo(torch.float64).tiny],
                     dtype=torch.float64, requires_grad=True)
(loss + (probe ** 2 / 2).sum()).backward()
""",
    "an_early_stop_from_finfo_max": """import torch
torch.manual_seed(0)
model = torch.nn.Linear(1, 1)
optim = torch.optim.SGD(model.parameters(), lr=1e-1)
X = torch.tensor([[0.5], [1.0], [1.5], [2.0]])
Y = torch.tensor([[1.2], [2.1], [2.6], [3.6]])
loss_min = torch.finfo(torch.float32).max
cstop = 0
for epoch in range(300):
    loss = torch.nn.functional.mse_loss(model(X), Y)
    if loss.item() >= loss_min - 1e-4:
        cstop += 1
    else:
        loss_min = loss.item()
        cstop = 0
    if cstop == 3:
        break
    optim.zero_grad()
    loss.backward()
    optim.step()
x = torch.tensor([[1.]], requires_grad=True)
model(x).backward()
""",
    "hstack_of_columns_and_its_second_derivative": """import torch
x = torch.tensor([-0.5, 1., 0.5, 2.], requires_grad=True).reshape(-1, 1)
y = torch.tensor([1., 1.5, 2., 3.], requires_grad=True).reshape(-1, 1)
xy = torch.hstack((x, y))
u = xy[:, 0:1] ** 2 + torch.log(xy[:, 1:2])
Du = torch.autograd.grad(u.sum(), xy, create_graph=True)[0]
D2u = torch.autograd.grad(Du, xy, grad_outputs=torch.ones_like(Du))[0]
""",
    "the_stacking_family_with_grad": """import torch
a = torch.tensor([1., 2., 3.], requires_grad=True)
b = torch.tensor([-1., 0.5, 4.], requires_grad=True)
s = torch.tensor(2.5, requires_grad=True)
M = torch.tensor([[1., 2.], [3., -4.]], requires_grad=True)
made = [torch.hstack((a, b, s)), torch.vstack((a, b)), torch.row_stack([a * 2, b]),
        torch.column_stack((a, b, a * b)), torch.dstack((a, b)), torch.dstack((M, M * M)),
        torch.hstack([M, M.T]), torch.vstack([M, a[:2]]), torch.column_stack([M, a[:2]]),
        torch.hstack([s]), torch.vstack((s, s * 3)), torch.dstack([s]),
        torch.hstack(tensors=(a, torch.ones(2))), torch.cat([b])]
with torch.no_grad():
    fixed = torch.vstack((torch.ones(3), torch.arange(3.)))
loss = (fixed * torch.vstack((a, b))).sum()
for t in made:
    weights = torch.arange(1., t.numel() + 1).reshape(t.shape)
    loss = loss + ((t * weights) ** 2).sum()
loss.backward()
""",
}
# torch's and numpy's own errors, at the line where the script raises them
RAISING = {
    "invert_of_a_float_array": """import numpy as np
import torch
w = torch.tensor([1.0], requires_grad=True)
(w * 2).sum().backward()
flipped = ~np.array([1.5, 2.0])
""",
    "finfo_of_an_integer_dtype": """import torch
w = torch.tensor([1.0], requires_grad=True)
(w * 2).sum().backward()
eps = torch.finfo(torch.int32).eps
""",
    "iinfo_has_no_eps": """import torch
w = torch.tensor([1.0], requires_grad=True)
(w * 2).sum().backward()
eps = torch.iinfo(torch.int32).eps
""",
    "vstack_of_rows_that_do_not_fit": """import torch
a = torch.tensor([1., 2., 3.], requires_grad=True)
v = torch.vstack((a, torch.ones(2)))
""",
    "hstack_of_one_tensor_not_a_tuple": """import torch
a = torch.tensor([1., 2., 3.], requires_grad=True)
v = torch.hstack(a)
""",
}


# arrays numpy would make of more elements than a tensor may hold: refused before numpy
# allocates them, naming the limit
TOO_LARGE = ["np.meshgrid(np.arange(20000), np.arange(20000))",
             "np.tile(np.ones(3), (10**5, 10**4))", "np.repeat(np.ones(1000), 10**7)",
             "np.kron(np.ones(30000), np.ones(30000))", "np.logspace(0, 1, 10**10)"]


reference, test_read_as_plain_torch_runs_it = agreement_tests(
    SNIPPETS, also={**RAISING})


@pytest.mark.parametrize("name", sorted(RAISING))
def test_the_scripts_own_error_where_it_raises_it(
        name: str, reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference[name]
    assert theirs["error"] is not None, name
    ours = engine_side(RAISING[name])
    assert "refused" not in ours, ours.get("refused")
    assert agrees(ours, theirs) is None, agrees(ours, theirs)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    for name in SNIPPETS:
        result = reference[name]
        assert result["error"] is None, (name, result["error"])
    grids = reference["meshgrid_of_a_function_and_its_lowest_point"]["grads"]["probe"]
    assert len(grids) == 8 * 16 * 2 + 2 and grids[-2:] == [8.0, 16.0]  # X.shape: (len y, len x)
    start = reference["meshgrid_of_a_function_and_its_lowest_point"]["grads"]["start"]
    assert start[0] != 0.0 and start[1] != 0.0  # the grid's lowest point is near (3, 2)
    mask = reference["a_numpy_mask_inverted"]["grads"]
    assert mask["probe"] == [0.5, 0.25, 2.0, 0.0, 1.0, 0.0, -1.0, -2.0, -3.0, -6.0]
    assert mask["w"] == pytest.approx(2 * (0.3 - 1))  # argmin of the kept is 1: lr 0.1 + 0.1*2
    sine = reference["plot_settings_beside_the_gradient"]["grads"]["x"]
    assert sine[0][0] == pytest.approx(math.pi * math.cos(-math.pi), rel=1e-6)
    numbers = reference["finfo_and_iinfo_numbers"]["grads"]["probe"]
    assert numbers[:3] == [5.0, 2.0 ** -23, 2.0 ** -126]
    assert numbers[10:13] == [2 ** 31 - 1, -(2 ** 63), 8]
    # Du = (2x, 1/y), D2u = (2, -1/y**2)
    first, second = reference["hstack_of_columns_and_its_second_derivative"]["grad_answers"]
    assert close(first[0], [[-1.0, 1.0], [2.0, 1 / 1.5], [1.0, 0.5], [4.0, 1 / 3]])
    assert close(second[0], [[2.0, -1.0], [2.0, -1 / 2.25], [2.0, -0.25], [2.0, -1 / 9]])
    family = reference["the_stacking_family_with_grad"]["grads"]
    assert all(g is not None for g in family.values()) and family["s"] != 0.0


@pytest.mark.parametrize("call", TOO_LARGE)
def test_an_array_too_large_is_refused_before_numpy_makes_it(call: str) -> None:
    ours = engine_side(f"import numpy as np\nimport torch\ng = {call}\n"
                       "w = torch.tensor([1.0], requires_grad=True)\n(w * 2).sum().backward()\n")
    assert ELEMENTS_PER_TENSOR.message() in ours.get("refused", ""), ours
