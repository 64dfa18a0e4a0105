"""Forms met in unseen learner code, each against plain torch in a subprocess (continued from
test_snippet_learner_round64.py): a shuffled DataLoader with a torch.Generator of the snippet's
own (RandomSampler shuffles with it, and draws one more permutation as it runs out, so the next
pass and later draws from that generator follow torch's), and `except StopIteration` around
next() of a loader's iterator, started again when it runs out; vmap over a tuple or list of
tensors (each tensor's rows are the samples); an in-place method of a slice (`w[7:].clamp_(0)`
under no_grad, `h[1:3].mul_(v)` in a graph) writes the view's new numbers into the tensor;
layer.reset_parameters() draws the layer's parameters again; torch.func.hessian by a dict of
parameters (H[name][name]); a comprehension of more grad calls than a document holds keeps the
graphs its items still need; np.random.sample (numpy's alias of random_sample); a .grad given by
hand before any backward (`w.grad = torch.tensor(...)`) is the .grad that is read, written in
place, clipped, zeroed or set to None until the first backward adds to it."""

from __future__ import annotations

import pytest
from snippet_agreement import agreement_tests
from test_corpus import agrees, engine_side
from torch_reference import in_subprocess

from engine.snippets.codegen import generate
from engine.snippets.reader import import_snippet

_LOADER = """import torch
from torch.utils.data import TensorDataset, DataLoader
torch.manual_seed(0)
X = torch.randn({n}, 3)
Y = X @ torch.tensor([1.0, -2.0, 0.5]) + 0.1
g = torch.Generator().manual_seed(7)
loader = DataLoader(TensorDataset(X, Y), batch_size=4, shuffle=True, generator=g{drop})
model = torch.nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
"""

# a .grad given by hand, then changed before the first backward (the body)
_GIVEN = """import torch
torch.manual_seed(0)
w = torch.tensor([1.0, 2.0], requires_grad=True)
m = torch.nn.Linear(2, 1)
w.grad = torch.tensor([5.0, -5.0])
{body}
(w * w).sum().backward()
m(w).sum().backward()
mw = m.weight
"""

SNIPPETS = {
    'own_generator_epochs_even': _LOADER.format(n=12, drop="") + """for epoch in range(3):
    for xb, yb in loader:
        loss = ((model(xb).squeeze(1) - yb) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
w = model.weight
noise = torch.randn(2, generator=g)
v = torch.ones(2, requires_grad=True)
(v * noise).sum().backward()
""",
    'own_generator_epochs_partial_drop_last': _LOADER.format(n=10, drop=", drop_last=True") +
    """for epoch in range(3):
    for xb, yb in loader:
        loss = ((model(xb).squeeze(1) - yb) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
w = model.weight
""",
    'next_until_stop_iteration': """import torch
from torch.utils.data import TensorDataset, DataLoader, random_split
torch.manual_seed(0)
X = torch.randn(20, 3)
Y = X @ torch.tensor([1.0, -2.0, 0.5]) + 0.1
ds = TensorDataset(X, Y)
train, val = random_split(ds, [14, 6], generator=torch.Generator().manual_seed(42))
loader = DataLoader(train, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(1))
model = torch.nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
it = iter(loader)
for step in range(9):
    try:
        xb, yb = next(it)
    except StopIteration:
        it = iter(loader)
        xb, yb = next(it)
    loss = ((model(xb).squeeze(1) - yb) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
w = model.weight
""",
    'vmap_of_a_tuple_of_tensors': """import torch
from torch.func import vmap
torch.manual_seed(0)
x = torch.randn(4, 3)
y = torch.randn(4, 3)
a = torch.randn(3, requires_grad=True)
out = vmap(lambda t: (t[0] * a).sum() + (t[1] ** 2 * a).sum())((x, y))
pairs = vmap(lambda p, s: p[0] @ a * s + p[1].sum(), in_dims=(0, None))([x, y], 2.0)
(out.sum() + pairs.sum()).backward()
""",
    'in_place_method_of_a_slice_under_no_grad': """import torch
torch.manual_seed(0)
pars = torch.randn(10, requires_grad=True)
opt = torch.optim.SGD([pars], lr=0.5)
for i in range(3):
    loss = ((pars - 1.0) ** 2 * torch.arange(10.)).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        pars[7:].clamp_(0)
        pars[:2].clamp_(min=-0.1, max=0.1)
        pars[2:4].mul_(0.5)
        pars[2:4].add_(torch.randn(2))
        pars[[4, 5]].zero_()
(pars ** 2).sum().backward()
""",
    'in_place_method_of_a_slice_of_a_graph': """import torch
torch.manual_seed(0)
pars = torch.randn(10, requires_grad=True)
h = pars * 3
h[1:3].mul_(pars[3:5])
h[5:].sin_()
h[0].clamp_(max=0.1)
h.sum().backward()
g = torch.randn(4, 3, requires_grad=True)
m = g.exp()
m[:, 1].copy_(g[:, 0] * 2)
m[2].fill_(1.5)
(m ** 2).sum().backward()
""",
    'in_place_method_of_a_slice_of_a_saved_output': """import torch
torch.manual_seed(0)
pars = torch.randn(10, requires_grad=True)
h = pars.sigmoid()
h[1:3].mul_(2.0)
(pars * 2).sum().backward()
h.sum().backward()
""",
    'layer_reset_parameters': """import torch
import torch.nn as nn
torch.manual_seed(0)
def reset_parameters(model):
    for layer in model.children():
        if hasattr(layer, 'reset_parameters'):
            layer.reset_parameters()
net = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
x = torch.linspace(0, 1, 5).view(-1, 1)
before = net(x).sum()
reset_parameters(net)
net[2].reset_parameters()
loss = ((net(x) - x) ** 2).mean()
loss.backward()
w0 = net[0].weight
b2 = net[2].bias
""",
    'hessian_by_a_dict_of_parameters': """import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, grad, hessian
torch.manual_seed(0)
model = nn.Linear(4, 3)
params = {k: v.detach() for k, v in model.named_parameters()}
data = torch.randn(6, 4)
target = torch.tensor([0, 1, 2, 0, 1, 2])
def compute_loss(params, data, target):
    return F.cross_entropy(functional_call(model, params, (data,)), target)
h = hessian(compute_loss)(params, data, target)
hw = h["weight"]["weight"].reshape(12, 12)
hwb = h["weight"]["bias"]
scale = torch.ones(3, requires_grad=True)
(hwb.sum(0) * scale).sum().backward()
print(hw.shape, torch.allclose(hw, hw.T))
""",
    'grads_of_many_outputs_in_a_comprehension': """import torch
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Linear(1, 6), torch.nn.Tanh(), torch.nn.Linear(6, 1))
a = (torch.arange(60) / 5).view(-1, 1).requires_grad_(True)
y = net(a)
der1 = [torch.autograd.grad(outputs=out, inputs=a, retain_graph=True, create_graph=True)[0][i]
        for i, out in enumerate(y.reshape(-1, 1))]
der2 = [torch.autograd.grad(outputs=out, inputs=a, retain_graph=True)[0][i]
        for i, out in enumerate(der1)]
total = sum(d.item() for d in der2)
print(round(total, 4))
w = net[0].weight
(y.sum() + sum(der1).sum()).backward()
""",
    'numpy_random_sample_points': """import numpy as np
import torch
np.random.seed(0)
pts = np.random.sample((8, 1)) * 2.0 - 1.0
x = torch.tensor(pts, dtype=torch.float32, requires_grad=True)
k = torch.tensor(0.5, requires_grad=True)
u = torch.sin(k * x) * x
du = torch.autograd.grad(u.sum(), x, create_graph=True)[0]
(du ** 2).mean().backward()
""",
    'grad_given_then_set_to_none': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
w.grad = torch.tensor([5.0, 5.0])
loss = (w * w).sum()
w.grad = None
loss.backward()
""",
    'given_grad_data_zeroed': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
w.grad = torch.tensor([5.0, 5.0])
w.grad.data.zero_()
(w * w).sum().backward()
""",
    'given_grad_optimizer_zero_grad': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1)
w.grad = torch.tensor([5.0, 5.0])
opt.zero_grad()
(w * w).sum().backward()
""",
    'given_grad_scaled_in_place': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
w.grad = torch.tensor([5.0, 5.0])
w.grad *= 2
(w * w).sum().backward()
""",
    'given_grad_add_': _GIVEN.format(body='w.grad.add_(1.0)'),
    'given_grad_place_written': _GIVEN.format(body='w.grad[0] = 3.0'),
    'given_grad_init_zeros': _GIVEN.format(body='torch.nn.init.zeros_(w.grad)'),
    'given_grad_zero_kept': _GIVEN.format(
        body='m.weight.grad = torch.ones(1, 2)\n'
             'opt = torch.optim.SGD(m.parameters(), lr=0.1)\n'
             'opt.zero_grad(set_to_none=False)'),
    'given_grad_clipped_by_norm': _GIVEN.format(body='torch.nn.utils.clip_grad_norm_([w], 1.0)'),
    'given_grad_read_and_rebound': _GIVEN.format(body='w.grad = w.grad * 2'),
    'given_grad_printed_then_none': _GIVEN.format(body='print(w.grad.sum().item())\nw.grad = None'),
}

_TRAINED = """import torch
torch.manual_seed(0)
m = torch.nn.Linear(2, 1)
opt = torch.optim.SGD(m.parameters(), lr=0.1)
x = torch.randn(4, 2)
y = torch.randn(4, 1)
for i in range(2):
    loss = ((m(x) - y) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
w = m.weight
"""

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_code_of_a_trained_model_reads_back_to_its_grads() -> None:
    """The code written for a training loop's last step gives each leaf its .grad, then sets
    it to None before the backward: read back, the grads are the step's own, as torch's."""
    code = generate(import_snippet(_TRAINED))
    assert ".grad = torch.tensor(" in code and ".grad = None" in code
    original, generated = in_subprocess([_TRAINED, code])
    assert original["error"] is None and generated["error"] is None
    assert generated["grads"]["w"][0] == pytest.approx(original["grads"]["w"][0], rel=1e-5)
    assert agrees(engine_side(code), generated) is None
