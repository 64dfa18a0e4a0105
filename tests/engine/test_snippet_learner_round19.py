"""Forms met in a round of unseen learner code, each against plain torch in a subprocess: a
Dataset class keeping its tensors as `self.data`, a class's name read in a forward hook
(`module.__class__.__name__`, `type(net).__name__`, a function's `__name__`), a `.data` write
after an earlier, unrelated backward, `.grad` reset by assigning zeros, and
`torch.Tensor(3, 5)` made only to be printed, and an accuracy read through numpy with
`.astype(int)` (Python's int named as a value)."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'dataset_keeping_self_data': """import torch
from torch.utils.data import Dataset, DataLoader
torch.manual_seed(0)

class InMemory(Dataset):
    def __init__(self, data, labels):
        self.data = data
        self.labels = labels

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        return self.data[idx], self.labels[idx]

X = torch.randn(10, 3)
y = (X.sum(dim=1) > 0).float()
ds = InMemory(X, y)
print(len(ds), ds.data.shape)
w = torch.zeros(3, requires_grad=True)
for xb, yb in DataLoader(ds, batch_size=4, shuffle=True):
    loss = torch.nn.functional.binary_cross_entropy_with_logits(xb @ w, yb)
    loss.backward()
print(w.grad)
""",
    'class_names_in_a_hook': """import torch
import torch.nn as nn
torch.manual_seed(0)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 3)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.fc(x))

seen = []
def hook(module, inputs, output):
    seen.append(module.__class__.__name__)
    print(f"{module.__class__.__name__}: {output.shape}")

net = Net()
for layer in [net.fc, net.act]:
    layer.register_forward_hook(hook)
out = net(torch.ones(4, 2)).sum()
scale = 2.0 if type(net).__name__ == "Net" and torch.relu.__name__ == "relu" else 5.0
(out * scale).backward()
print(seen, net.fc.weight.grad)
""",
    'data_write_after_an_unrelated_backward': """import torch
a = torch.tensor(1.0, requires_grad=True)
(a ** 3).backward()
print(a.grad)
x = torch.ones(1, requires_grad=True)
y = x * x
x.data *= 100
y.backward()
print(x, y, x.grad)
""",
    'grad_reset_by_assigning_zeros': """import torch
x = torch.tensor([[2.0, 3.0]], requires_grad=True)
y = torch.stack([x[0, 0] ** 2 + 3 * x[0, 1], x[0, 1] ** 2 + 2 * x[0, 0]]).view(1, 2)
J = torch.zeros(2, 2)
y.backward(torch.tensor([[1.0, 0.0]]), retain_graph=True)
J[0] = x.grad
x.grad = torch.zeros_like(x.grad)
y.backward(torch.tensor([[0.0, 1.0]]))
J[1] = x.grad
print(J)
""",
    'uninitialised_memory_only_printed': """import torch
torch.manual_seed(0)
t = torch.Tensor(3, 5)
print(t.shape)
a = torch.randn(3, 3, requires_grad=True)
w = torch.randn(3, 3, requires_grad=True)
(10 - w * a).sum().backward()
print(a.grad)
""",
    'accuracy_read_through_numpy_astype_int': """import torch
import torch.nn.functional as F
torch.manual_seed(1)
x = torch.cat((torch.normal(2 * torch.ones(20, 2), 1), torch.normal(-2 * torch.ones(20, 2), 1)))
y = torch.cat((torch.zeros(20), torch.ones(20))).type(torch.LongTensor)
net = torch.nn.Sequential(torch.nn.Linear(2, 6), torch.nn.ReLU(), torch.nn.Linear(6, 2))
optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
for t in range(6):
    out = net(x)
    loss = F.cross_entropy(out, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if t % 2 == 0:
        pred_y = torch.max(out, 1)[1].data.numpy()
        target_y = y.data.numpy()
        accuracy = float((pred_y == target_y).astype(int).sum()) / float(target_y.size)
        print(accuracy)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["data_write_after_an_unrelated_backward"]["grads"]["x"] == [200.0]
    assert reference["grad_reset_by_assigning_zeros"]["grads"]["x"] == [[2.0, 6.0]]
    assert "Linear: torch.Size([4, 3])" in reference["class_names_in_a_hook"]["stdout"]
    for name in SNIPPETS:
        assert reference[name]["error"] is None, name
