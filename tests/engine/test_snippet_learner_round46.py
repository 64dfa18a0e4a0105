"""Forms met in unseen learner code, each against plain torch in a subprocess: a DataLoader
over collocation points that require grad (a PINN's), from a TensorDataset and from a Dataset
class of the script's own, in a training loop that differentiates the network by the batch
(torch stacks the rows, so the batch carries a graph back to the points); the shape of a
tensor given with a star, torch.zeros(*x.size()). Batches of a computed tensor: torch's
second backward through the shared graph raises; rows a Dataset computes from a leaf."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'pinn_points_in_a_tensor_dataset_loader': """import torch
from torch.utils.data import TensorDataset, DataLoader
torch.manual_seed(0)
x = torch.linspace(0, 1, 12).reshape(-1, 1).requires_grad_(True)
y = torch.sin(3 * x.detach())
loader = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True)
net = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
opt = torch.optim.Adam(net.parameters(), lr=0.01)
for epoch in range(2):
    for xb, yb in loader:
        opt.zero_grad()
        u = net(xb)
        u_x = torch.autograd.grad(u, xb, torch.ones_like(u), create_graph=True)[0]
        loss = ((u - yb) ** 2).mean() + ((u_x - 3 * torch.cos(3 * xb)) ** 2).mean()
        loss.backward()
        opt.step()
    print(epoch, loss.item(), xb.requires_grad, xb.is_leaf)
print(x.grad.shape, x.grad.abs().sum() > 0)
""",
    'pinn_points_in_a_dataset_class_loader': """import torch
from torch.utils.data import Dataset, DataLoader
torch.manual_seed(0)
class Points(Dataset):
    def __init__(self, inp, out):
        self.inp, self.out = inp, out
    def __len__(self):
        return len(self.inp)
    def __getitem__(self, idx):
        return self.inp[idx], self.out[idx]
t = torch.linspace(0, 1, 6).reshape(-1, 1).requires_grad_(True)
data = DataLoader(Points(t, t.detach() ** 2), batch_size=3)
w = torch.tensor([[0.5]], requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1)
for tb, target in data:
    opt.zero_grad()
    loss = ((tb @ w - target) ** 2).sum()
    loss.backward()
    opt.step()
    print(tb.grad_fn is not None, loss.item())
print(w, t.grad)
""",
    'zeros_of_a_starred_size': """import torch
torch.manual_seed(0)
x = torch.unsqueeze(torch.linspace(-1, 1, 10), dim=1)
y = x.pow(2) + 0.1*torch.normal(torch.zeros(*x.size()))
w = torch.ones(*x.size()[1:], requires_grad=True)
loss = ((x * w - y) ** 2).mean()
loss.backward()
print(w.grad, torch.randn(*x.shape).shape)
""",
    'a_loader_over_a_computed_tensor_backwards_twice': """import torch
from torch.utils.data import DataLoader, TensorDataset
w = torch.ones(4, 2, requires_grad=True)
for (xb,) in DataLoader(TensorDataset(w * 2), batch_size=2):
    xb.sum().backward()
print(w.grad)
""",
    'a_dataset_class_giving_computed_rows': """import torch
from torch.utils.data import Dataset, DataLoader
w = torch.ones(4, 2, requires_grad=True)

class Weighted(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return w[i] * 2

for xb in DataLoader(Weighted(), batch_size=2):
    xb.sum().backward()
print(w.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    printed = reference["pinn_points_in_a_tensor_dataset_loader"]["stdout"]
    assert "True False" in printed and printed.rstrip().endswith("tensor(True)")
    grads = reference["pinn_points_in_a_dataset_class_loader"]["grads"]
    assert grads["t"][0] == [0.0] and abs(grads["t"][5][0] + 0.4999) < 1e-3
    assert len(reference["zeros_of_a_starred_size"]["grads"]["w"]) == 1
    error = reference["a_loader_over_a_computed_tensor_backwards_twice"]["error"]
    assert error["message"].startswith("Trying to backward through the graph a second time")
    assert reference["a_dataset_class_giving_computed_rows"]["grads"]["w"] == [[2.0, 2.0]] * 4
