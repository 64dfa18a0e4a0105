"""Forms met in unseen learner code, each against plain torch in a subprocess (continued from
test_snippet_learner_round67.py): `enumerate(trainloader, 0)` with its start given by
position (the official zeroing-gradients recipe's loop), and the builtin slice() as an
index of a tensor and of a list (fast.ai's minibatch loop, `s = slice(i, min(i+bs, n))`);
a module's full backward hook returning a list comprehension over grad_input (the modules
note of torch's documentation); device=None and dtype=None passed on by a function (torch's
factory-argument style); collections.abc imported for type hints; nn.Dropout2d on a 2-d
input (pytorch/examples mnist_rnn), which torch drops along its first two dims; .grad set by
hand from torch.autograd.grad's answers before optimizer.step() (clipped grads, a
federated average); types.SimpleNamespace holding options and tensors, read and set."""

from __future__ import annotations

from snippet_agreement import agreement_tests

SNIPPETS = {
    # pytorch/tutorials recipes_source/recipes/zeroing_out_gradients.py, shrunk
    'enumerate_with_a_positional_start': """import torch
import torch.nn as nn
import torch.optim as optim
torch.manual_seed(0)
trainloader = [(torch.randn(4, 3), torch.randint(0, 2, (4,))) for _ in range(3)]
net = nn.Linear(3, 2)
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
for epoch in range(2):
    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        inputs, labels = data
        optimizer.zero_grad()
        loss = criterion(net(inputs), labels) * (i + 1)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        if i % 2 == 1:
            print('[%d, %5d] loss: %.3f' % (epoch + 1, i + 1, running_loss / 2))
            running_loss = 0.0
w = torch.ones(2, requires_grad=True)
for k, x in enumerate([torch.tensor([1., 0.]), torch.tensor([0., 3.])], 5):
    (k * w * x).sum().backward()
""",
    # fast.ai course22p2 03_minibatch_training: batches taken by slice objects
    'slice_objects_as_indices': """import torch
torch.manual_seed(0)
x_train = torch.randn(7, 3)
weights = torch.randn(3, 2, requires_grad=True)
n, bs = 7, 3
names = ['a', 'b', 'c', 'd'][slice(1, None, 2)]
for i in range(0, n, bs):
    s = slice(i, min(i+bs, n))
    xb = x_train[s]
    loss = (xb @ weights).pow(2).mean() * len(names)
    loss.backward()
    with torch.no_grad():
        weights -= 0.1 * weights.grad
        weights.grad.zero_()
(x_train[0, slice(0, 3, 2)].sum() * weights[slice(None), 0]).sum().backward()
""",
    # pytorch docs/source/notes/modules.rst, "Module Hooks"
    'full_backward_hook_returning_a_comprehension': """import torch
from torch import nn
torch.manual_seed(1)
def backward_hook(m, grad_inputs, grad_outputs):
  new_grad_inputs = [torch.ones_like(gi) * 42. for gi in grad_inputs]
  return new_grad_inputs
m = nn.Linear(3, 3)
x = torch.randn(2, 3, requires_grad=True)
m(x).sum().backward()
print('x.grad with no backwards hook: {}'.format(x.grad))
m.zero_grad()
x.grad.zero_()
m.register_full_backward_hook(backward_hook)
m(x).sum().backward()
half = nn.Linear(3, 2)
half.register_full_backward_hook(lambda mod, gin, gout: tuple(g * 0.5 for g in gin))
y = torch.randn(4, 3, requires_grad=True)
half(y).pow(2).sum().backward()
""",
    'device_and_dtype_none_passed_on': """from collections.abc import Callable
import torch
import torch.nn as nn
torch.manual_seed(0)
def make(n, device=None, dtype=None) -> torch.Tensor:
    return torch.randn(n, device=device, dtype=dtype)
lin = nn.Linear(3, 2, device=None, dtype=None)
t = torch.tensor([1.0, 2.0, 3.0], dtype=None, device=None, requires_grad=True)
scale: Callable = lambda v: v * torch.arange(3, dtype=None)
lin(scale(t) + make(3)).sum().backward()
""",
    'dropout2d_on_two_dims_and_five': """import torch
import torch.nn as nn
import warnings
warnings.filterwarnings('ignore')
torch.manual_seed(0)
drop = nn.Dropout2d(0.25)
fc = nn.Linear(8, 3)
x = torch.randn(5, 8)
fc(drop(x)).pow(2).sum().backward()
y = torch.randn(2, 3, 2, 2, 2, requires_grad=True)
(drop(y) * torch.arange(48.).reshape(y.shape)).sum().backward()
""",
    'grad_set_from_autograd_grad_before_the_step': """import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Linear(3, 2)
opt = torch.optim.Adam(model.parameters(), lr=0.1)
x = torch.randn(4, 3)
for step in range(3):
    opt.zero_grad()
    loss = model(x).pow(2).mean()
    grads = torch.autograd.grad(loss, list(model.parameters()))
    for p, g in zip(model.parameters(), grads):
        p.grad = g.clamp(-0.1, 0.1)
    opt.step()
model(x).sum().backward()
""",
    'grad_set_as_a_federated_average': """import torch
import torch.nn as nn
torch.manual_seed(0)
server = nn.Linear(2, 1)
opt = torch.optim.SGD(server.parameters(), lr=0.5)
clients = [torch.randn(5, 2) for _ in range(3)]
for rnd in range(2):
    total = [torch.zeros_like(p) for p in server.parameters()]
    for data in clients:
        loss = server(data).pow(2).mean()
        gs = torch.autograd.grad(loss, server.parameters())
        total = [t + g for t, g in zip(total, gs)]
    for p, t in zip(server.parameters(), total):
        p.grad = t / len(clients)
    opt.step()
    opt.zero_grad()
out = server(torch.ones(1, 2)).sum()
out.backward()
""",
    'grad_set_then_a_backward_adds_to_it': """import torch
torch.manual_seed(0)
w = torch.randn(3, requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1)
for step in range(2):
    opt.zero_grad()
    loss = (w ** 3).sum()
    g, = torch.autograd.grad(loss, w, retain_graph=True)
    w.grad = g
    loss.backward()
    opt.step()
""",
    'simple_namespace_of_options_and_a_leaf': """import torch
import types
from types import SimpleNamespace
torch.manual_seed(0)
cfg = SimpleNamespace(lr=0.1, steps=3, w=torch.randn(3, requires_grad=True))
cfg.lr = cfg.lr * 2
other = types.SimpleNamespace(scale=torch.tensor([1., 2., 3.]))
for i in range(cfg.steps):
    loss = (cfg.w * other.scale).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        cfg.w -= cfg.lr * cfg.w.grad
        cfg.w.grad.zero_()
w = cfg.w
(w * 3).sum().backward()
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)
