"""Forms met in a round of unseen learner code, each against plain torch in a subprocess:
a GAN whose generator steps first, its discriminator then fed `fake.detach()` (the numbers of
the generator as it was: a constant); `vmap(hessian(f))(xs)` and `vmap(grad(grad(f)))(x)`,
one call per sample; `torch.arange(0, 10, step=0.5)` and arange by keyword; `import
torch.functional as F` with `F.norm`; a class count `len(y.unique())`; a forward hook (and
pre-hook) returning a replacement; `from torch.autograd import variable`."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    'generator_first_then_discriminator_on_the_detached_fake': """import torch
torch.manual_seed(0)
G = torch.nn.Linear(2, 2)
D = torch.nn.Linear(2, 1)
opt_g = torch.optim.SGD(G.parameters(), lr=0.1)
opt_d = torch.optim.SGD(D.parameters(), lr=0.1)
for step in range(3):
    z = torch.randn(4, 2)
    fake = G(z)
    g_loss = torch.log(1 - torch.sigmoid(D(fake))).mean()
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()
    d_loss = -torch.log(1 - torch.sigmoid(D(fake.detach()))).mean()
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()
print(D.weight.grad, G.weight.grad)
""",
    'the_detached_fake_taken_through_data': """import torch
torch.manual_seed(1)
G = torch.nn.Linear(3, 2)
D = torch.nn.Linear(2, 1)
opt_g = torch.optim.Adam(G.parameters(), lr=0.01)
opt_d = torch.optim.Adam(D.parameters(), lr=0.01)
for step in range(2):
    fake = G(torch.randn(5, 3))
    opt_g.zero_grad()
    D(fake).mean().backward()
    opt_g.step()
    opt_d.zero_grad()
    (D(fake.data) ** 2).mean().backward()
    opt_d.step()
""",
    'a_laplacian_by_vmap_of_hessian': """import torch
from torch import func as F
torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
def u(xy):
    return torch.sin(xy[0]) * torch.exp(xy[1]) + xy[0] ** 2 * xy[1]
xy = torch.randn(3, 2, requires_grad=True)
H = F.vmap(F.hessian(u))(xy)
lap = H.diagonal(dim1=-2, dim2=-1).sum(-1)
print(lap)
""",
    'a_diagonal_by_vmap_of_grad_of_grad': """import torch
def f_sum(x):
    return torch.sum(x ** 3)
x = torch.tensor([1.0, 2.0])
full = torch.func.hessian(f_sum)(x)
diagonal = torch.func.vmap(torch.func.grad(torch.func.grad(f_sum)))(x)
print(diagonal, torch.allclose(diagonal, torch.diagonal(full)))
""",
    'arange_with_a_step_by_keyword': """import torch
from torch.autograd import Variable
x_tensor = torch.arange(0, 10, step=0.5)
b = torch.arange(start=1, end=4) * 1.0
x = Variable(x_tensor, requires_grad=True)
z = 0.125 * (2 * x) ** 2
z.backward(torch.ones(20) * 0.1 + b.sum())
print(x.grad, torch.arange(end=3), torch.arange(1, end=7, step=2))
""",
    'torch_functional_imported_as_a_module': """import torch
import torch.functional as F
x = torch.tensor([3.0, 4.0], requires_grad=True)
y = F.norm(x) + F.einsum('i,i->', x, x)
y.backward()
print(x.grad)
""",
    'the_class_count_of_the_labels': """import torch
torch.manual_seed(0)
X = torch.rand((20, 4))
y = torch.randint(low=0, high=3, size=(20,), dtype=torch.float32)
output_ = len(y.unique())
layer = torch.nn.Linear(4, output_)
loss = torch.nn.functional.cross_entropy(layer(X), y.long())
loss.backward()
print(output_, y.unique(return_counts=True), y.argsort()[:3], layer.weight.grad)
""",
    'a_forward_hook_doubling_the_output': """import torch
class Pow(torch.nn.Module):
    def __init__(self):
        super(Pow, self).__init__()
        self.p = torch.nn.Parameter(torch.tensor(1.0))
    def forward(self, x, q):
        return self.p * x ** q
class Log(torch.nn.Module):
    def __init__(self):
        super(Log, self).__init__()
        self.l = torch.nn.Parameter(torch.tensor(1.0))
    def forward(self, x):
        return self.l * torch.log(x)
class Both(torch.nn.Module):
    def __init__(self):
        super(Both, self).__init__()
        self.pow = Pow()
        self.log = Log()
    def forward(self, x, q):
        return self.log(self.pow(x, q))
model = Both()
def forward_hook(module, input, output):
    print('input', input)
    return output * 2
hook = model.log.register_forward_hook(forward_hook)
x = torch.tensor(5.0, requires_grad=True)
q = torch.tensor(3.0, requires_grad=True)
z = model(x, q)
z.backward()
hook.remove()
model(x, q).backward()
print(x.grad, q.grad, z)
""",
    'a_forward_pre_hook_scaling_the_input': """import torch
torch.manual_seed(2)
layer = torch.nn.Linear(3, 1)
def halve(module, args):
    return args[0] * 0.5
layer.register_forward_pre_hook(halve)
x = torch.ones(2, 3, requires_grad=True)
layer(x).sum().backward()
print(x.grad, layer.weight.grad)
""",
    'variable_imported_as_the_old_module': """from torch.autograd import variable
import torch
x = variable.Variable(torch.ones(2), requires_grad=True)
(x * torch.tensor([2.0, 3.0])).sum().backward()
print(x.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    gan = reference["generator_first_then_discriminator_on_the_detached_fake"]
    assert len(gan["every_leaf_grad"]) == 4 and all(  # both models' weights and biases
        torch.tensor(g).abs().sum() > 0 for g in gan["every_leaf_grad"])
    assert reference["a_forward_hook_doubling_the_output"]["grads"]["x"] == pytest.approx(
        2 * 3 / 5 + 3 / 5)  # through the hook (doubled), then without it
    hooked = reference["a_forward_pre_hook_scaling_the_input"]["every_leaf_grad"]
    weight = next(g for g in hooked if len(g) == 1 and isinstance(g[0], list))
    assert weight == [[1.0, 1.0, 1.0]]  # two halved rows of ones: 2.0 without the hook


def test_vmap_of_a_hessian_is_one_hessian_per_sample() -> None:
    ours = engine_side(SNIPPETS["a_diagonal_by_vmap_of_grad_of_grad"])
    answers = [c["answer"] for c in ours["calls"] if c["kind"] == "functional"]
    assert answers == [[[6.0, 0.0], [0.0, 12.0]], 6.0, 12.0]  # the full H, then per sample
