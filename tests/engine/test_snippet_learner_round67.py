"""Forms met in unseen learner code, each against plain torch in a subprocess (continued from
test_snippet_learner_round66.py): a script's command-line options read with argparse (the
script run with no arguments: each option's default; parse_args([...]) with the words
given); a lambda made inside a function keeps the names it was made with (a closure), as a
def does; nn.Dropout1d/2d/3d zero whole channels with torch's own mask; an attribute set on
a TensorDataset, a Subset or a DataLoader (`val_ds.train = False`) is the snippet's own;
collections.namedtuple records of the snippet's values (unpacked, indexed, read by field)."""

from __future__ import annotations

from snippet_agreement import agreement_tests

SNIPPETS = {
    'argparse_defaults_drive_the_loop': """import argparse
import torch
parser = argparse.ArgumentParser(description='demo')
parser.add_argument('--lr', type=float, default=0.1, help='learning rate')
parser.add_argument('--epochs', type=int, default=3)
parser.add_argument('--run', dest='run', default='Reptile')
parser.add_argument('--verbose', action='store_true')
parser.add_argument('--sizes', type=int, nargs='+', default=[3, 2])
args = parser.parse_args()
torch.manual_seed(0)
w = torch.randn(args.sizes[0], requires_grad=True)
for e in range(args.epochs):
    loss = (w ** 2).sum() * (2 if args.run == 'Reptile' else 1)
    loss.backward()
    with torch.no_grad():
        w -= args.lr * w.grad
        w.grad.zero_()
    if args.verbose:
        print(loss.item())
(w * 3).sum().backward()
""",
    'argparse_words_given_and_known_args': """import argparse
import torch
def get_args():
    p = argparse.ArgumentParser()
    g = p.add_argument_group('optim')
    g.add_argument('--lr', type=float, default=0.5)
    p.add_argument('--steps', type=int, default=1)
    p.set_defaults(scale=2.0)
    return p
opt, rest = get_args().parse_known_args(['--steps', '4', '--extra'])
x = torch.tensor([1.0, -2.0], requires_grad=True)
y = x
for _ in range(opt.steps):
    y = y * opt.scale - opt.lr
y.sum().backward()
print(rest, opt.lr)
""",
    'lambda_closure_over_a_function_scope': """import numpy as np
import torch
rng = np.random.RandomState(0)
def gen_task():
    phase = rng.uniform(low=0, high=2 * np.pi)
    ampl = rng.uniform(0.1, 5)
    f = lambda x: np.sin(x + phase) * ampl
    return f
def scaled(k):
    return lambda t: t * k
x_all = np.linspace(-5, 5, 8)[:, None]
torch.manual_seed(0)
w = torch.randn(1, 1, requires_grad=True)
for _ in range(2):
    f = gen_task()
    y = torch.tensor(f(x_all), dtype=torch.float32)
    loss = ((torch.tensor(x_all, dtype=torch.float32) @ w - y) ** 2).mean()
    loss.backward()
double, triple = scaled(2.0), scaled(3.0)
(double(w) + triple(w)).sum().backward()
""",
    'channel_dropouts_in_training_and_eval': """import torch
import torch.nn as nn
torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(2, 4, 3), nn.Dropout2d(0.5), nn.ReLU(), nn.Flatten(),
                    nn.Linear(64, 1))
x = torch.randn(3, 2, 6, 6)
net(x).sum().backward()
d1 = nn.Dropout1d(p=0.3)
v = torch.randn(2, 5, 4, requires_grad=True)
(d1(v) * v).sum().backward()
u = torch.randn(5, 4, 4, requires_grad=True)
(nn.Dropout2d()(u) ** 2).sum().backward()
s = torch.randn(3, 2, 2, 2, requires_grad=True)
(nn.Dropout3d(0.25)(s) * 2).sum().backward()
net.eval()
net(x).sum().backward()
w = net[0].weight
""",
    'attributes_set_on_data_sets': """import torch
from torch.utils.data import TensorDataset, DataLoader, random_split
torch.manual_seed(0)
ds = TensorDataset(torch.randn(10, 2), torch.randn(10, 1))
tr, va = random_split(ds, [8, 2])
va.train = False
ds.name = "toy"
loader = DataLoader(tr, batch_size=4)
loader.note = 3
model = torch.nn.Linear(2, 1)
for xb, yb in loader:
    loss = ((model(xb) - yb) ** 2).mean() * loader.note
    if not va.train:
        loss.backward()
w = model.weight
print(va.train, ds.name)
""",
    'namedtuple_records_of_a_policy_loss': """from collections import namedtuple
import torch
torch.manual_seed(0)
pg_data = namedtuple('pg_data', ['logit', 'action', 'return_'])
pg_loss = namedtuple('pg_loss', 'policy_loss entropy_loss')
Pair = namedtuple('Pair', ['a', 'b'], defaults=[1.0])
def pg_error(data: namedtuple) -> namedtuple:
    logit, action, return_ = data
    dist = torch.distributions.Categorical(logits=logit)
    policy_loss = -(return_ * dist.log_prob(action)).mean()
    return pg_loss(policy_loss, dist.entropy().mean())
logit = torch.randn(4, 6, requires_grad=True)
data = pg_data(logit, torch.randint(0, 6, size=(4,)), return_=torch.randn(4))
loss = pg_error(data)
total = loss.policy_loss - 0.01 * loss[1] + Pair(logit.sum()).b
total.backward()
print(len(loss), all(l.shape == tuple() for l in loss))
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)
