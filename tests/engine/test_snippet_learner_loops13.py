"""Forms fresh learner code showed (plain torch in a subprocess): computing with what
torch.autograd.grad returned (gradient descent by hand, a Jacobian row by row, a MAML-style
inner step), a running loss summed over training steps, "%d" % formatting, a loop over a set,
a model class with its own __call__, an LSTM given None as its start, grids made for
plots (torch.meshgrid, np.c_, the 3-D axes import), and two readings that used to escape
as Python exceptions: a graph freed by a backward before a training loop, and a clip
between a backward and a second one that raises."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    'acc_loss': """import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Linear(2, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
X = torch.randn(6, 2); Y = torch.randn(6, 1)
for epoch in range(3):
    total = 0
    for i in range(len(X)):
        loss = ((model(X[i]) - Y[i]) ** 2).mean()
        loss.backward()
        total += loss
        opt.step()
        opt.zero_grad()
    print(epoch, total / len(X), torch.mean(total))
print(model.weight)
""",
    'ag_gd': """import torch
torch.manual_seed(0)
w = torch.randn(3, requires_grad=True)
x = torch.randn(5, 3)
y = torch.randn(5)
for step in range(3):
    loss = ((x @ w - y) ** 2).mean()
    g, = torch.autograd.grad(loss, w)
    with torch.no_grad():
        w -= 0.1 * g
print(w)
loss = ((x @ w - y) ** 2).mean()
loss.backward()
print(w.grad)
""",
    'ag_inline': """import torch
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
d = torch.autograd.grad(y, x, retain_graph=True)[0] * 2
print(d)
total = d + y
total.backward()
print(x.grad)
""",
    'ag_maml': """import torch
torch.manual_seed(0)
w = torch.randn(3, requires_grad=True)
x = torch.randn(8, 3); y = torch.randn(8)
inner = ((x @ w - y) ** 2).mean()
g, = torch.autograd.grad(inner, w)
fast = w - 0.1 * g
outer = ((x @ fast - y) ** 2).mean()
outer.backward()
print(w.grad)
""",
    'ag_rows': """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = torch.stack([x[0] * x[1], x[0] ** 2 + x[1]])
rows = []
for i in range(2):
    r, = torch.autograd.grad(y[i], x, retain_graph=True)
    rows.append(r)
J = torch.stack(rows)
print(J)
out = (J.sum() * x).sum()
out.backward()
print(x.grad)
""",
    'ag_stack': """import torch
def f(x):
    return x**2 + 3 * x + 2
x = torch.arange(-2, 2, 1, dtype=torch.float32, requires_grad=True)
gradients = []
for xi in x:
    y = f(xi)
    gradients.append(torch.autograd.grad(outputs=y, inputs=xi)[0])
g = torch.stack(gradients)
print(g.shape)
print(g[1].item())
""",
    'ag_use': """import torch
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = (x ** 3).sum()
dx = torch.autograd.grad(y, x)[0]
print(dx * 2, dx.norm())
z = (x * dx).sum()
z.backward()
print(x.grad)
""",
    'ag_zip': """import torch
torch.manual_seed(0)
w = torch.randn(2, 3, requires_grad=True)
b = torch.zeros(2, requires_grad=True)
x = torch.randn(4, 3)
params = [w, b]
for it in range(2):
    loss = ((x @ w.t() + b) ** 2).sum()
    grads = torch.autograd.grad(loss, params)
    with torch.no_grad():
        for p, g in zip(params, grads):
            p.sub_(0.01 * g)
    print(loss.item())
gw = grads[0]
print(gw.norm())
""",
    'answer_doubled_then_backward': """import torch
x = torch.ones(2, requires_grad=True)
g = torch.autograd.grad(x.sum(), x)
z = g[0] * 2
z.sum().backward()
""",
    'answer_rows_stacked_in_a_def': """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x ** 2).sum()
rows = [torch.autograd.grad(y, x, retain_graph=True)[0] for _ in range(2)]
def jac():
    return torch.stack(rows)
J = jac()
(J.sum() * x).sum().backward()
""",
    'fmt': """import torch
import numpy as np
x = torch.tensor([1.0, 2.0], requires_grad=True)
(x * x).sum().backward()
for i, yi in enumerate(np.unique(np.array([0, 1, 1]))):
    print("Class %d (y=%d) %.3f %s" % (yi, yi, x.grad[i].item(), "ok"))
print("%d items" % len(x), "%5.2f" % x.grad.sum())
""",
    'g_K': """import torch
x = torch.tensor([2.0], requires_grad=True)
y = x ** 2
z = 2 * y + 3
z.backward()
w = torch.tensor([1.0], requires_grad=True)
for epoch in range(3):
    loss = (w * 3.0 - 6.0) ** 2
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
        w.grad.zero_()
""",
    'grids_for_plots': """import torch
import numpy as np
from mpl_toolkits.mplot3d import Axes3D
w_grid = torch.arange(-1, 1, 0.5)
W, B = torch.meshgrid(w_grid, w_grid, indexing="ij")
xx, yy = np.meshgrid(np.arange(0, 2, 0.5), np.arange(0, 2, 0.5))
pts = torch.tensor(np.c_[xx.ravel(), yy.ravel()], dtype=torch.float32, requires_grad=True)
loss = (pts.sum(1) * (W + B).flatten()).sum()
loss.backward()
print(pts.grad)
""",
    'lstm_start_none': """import torch
import torch.nn as nn
torch.manual_seed(0)
lstm = nn.LSTM(3, 4, batch_first=True)
gru = nn.GRU(3, 4)
x = torch.randn(2, 5, 3)
out, (h, c) = lstm(x, None)
out2, h2 = gru(x.transpose(0, 1), None)
(out.sum() + h.sum() + out2.sum()).backward()
print(lstm.weight_ih_l0.grad.sum(), gru.weight_hh_l0.grad.sum())
""",
    'own_call_method': """import torch
import torch.nn as nn
torch.manual_seed(0)
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)
        self.act = nn.Sigmoid()
    def __call__(self, x):
        return self.forward(x) * 2
    def forward(self, x):
        return self.act(self.fc(x))
model = MLP()
model.register_forward_hook(lambda m, i, o: print("never runs"))
y = model(torch.tensor([1.0, -1.0]))
y.backward()
print(model.fc.weight.grad)
""",
    'p_min3': """import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Linear(3, 2)
x = torch.randn(4, 3)
y = torch.randn(4, 2)
loss = nn.MSELoss()(model(x), y)
loss.backward()
n = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=float('inf'))
loss.backward()
""",
    'set_loop': """import torch
text = "hello"
chars = sorted(set(text))
index = {c: i for i, c in enumerate(chars)}
x = torch.tensor([float(index[c]) for c in text], requires_grad=True)
(x ** 2).sum().backward()
print(x.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    x = torch.tensor([1.0, 2.0, 3.0])
    assert reference["ag_use"]["grads"]["x"] == pytest.approx((3 * x ** 2).tolist())
    assert reference["p_min3"]["error"] is not None  # the second backward raises


def test_gradient_descent_by_autograd_grad_gives_torchs_weights() -> None:
    ours = engine_side(SNIPPETS["ag_gd"])
    torch.manual_seed(0)
    w = torch.randn(3, requires_grad=True)
    x, y = torch.randn(5, 3), torch.randn(5)
    for _ in range(3):
        g, = torch.autograd.grad(((x @ w - y) ** 2).mean(), w)
        with torch.no_grad():
            w -= 0.1 * g
    ((x @ w - y) ** 2).mean().backward()
    assert w.grad is not None
    assert ours["grads"]["w"] == pytest.approx(w.grad.tolist(), rel=1e-5)


@pytest.mark.parametrize("name", ["g_K", "p_min3"])
def test_readings_that_used_to_escape_end_with_a_result(name: str) -> None:
    ours = engine_side(SNIPPETS[name])
    assert "refused" not in ours and "grads" in ours, ours
