"""torch.utils.data over tensors in memory (engine/snippets/data_loaders.py): TensorDataset,
DataLoader (shuffle, drop_last, several epochs, enumerate, next(iter())), random_split and
Subset, against plain torch in a subprocess, and the random draws a loop makes checked
against torch in this process: a number drawn after the loop is plain torch's."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import engine_side
from torch.utils.data import DataLoader, TensorDataset, random_split

SNIPPETS = {
    'shuffled_two_epochs_then_a_draw': """import torch
from torch.utils.data import TensorDataset, DataLoader
torch.manual_seed(3)
X = torch.randn(11, 2)
y = X @ torch.tensor([[1.5], [-2.0]]) + 0.3
w = torch.zeros(2, 1, requires_grad=True)
loader = DataLoader(TensorDataset(X, y), batch_size=4, shuffle=True)
for epoch in range(2):
    for xb, yb in loader:
        loss = ((xb @ w - yb) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= 0.1 * w.grad
            w.grad.zero_()
after = torch.randn(3, requires_grad=True)
(after * after).sum().backward()
print(w, after.grad)
""",
    'in_order_drop_last_then_a_draw': """import torch
import torch.utils.data as Data
torch.manual_seed(1)
X = torch.arange(20.0).reshape(10, 2)
y = torch.arange(10.0)
w = torch.tensor([0.5, -0.25], requires_grad=True)
loader = Data.DataLoader(Data.TensorDataset(X, y), batch_size=3, shuffle=False,
                         drop_last=True)
total = 0
for xb, yb in loader:
    total = total + ((xb @ w - yb) ** 2).sum()
total.backward()
after = torch.rand(2, requires_grad=True)
(after * 3).sum().backward()
print(len(loader), w.grad, after)
""",
    'enumerate_accumulates_in_steps': """import torch
import torch.nn as nn
from torch.utils import data
torch.manual_seed(0)
x, y = torch.randn(12, 3), torch.randn(12, 1)
model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.05)
loader = data.DataLoader(data.TensorDataset(x, y), batch_size=5, shuffle=True)
for i, (inputs, labels) in enumerate(loader):
    loss = nn.functional.mse_loss(model(inputs), labels) / 2
    loss.backward()
    if (i + 1) % 2 == 0:
        opt.step()
        opt.zero_grad()
print(model.weight, model.weight.grad)
""",
    'next_of_iter_is_the_first_batch': """import torch
from torch.utils.data import DataLoader, TensorDataset
torch.manual_seed(5)
feats = torch.randn(9, 2)
labels = torch.randint(0, 3, (9,))
ds = TensorDataset(feats, labels)
loader = DataLoader(ds, batch_size=4, shuffle=True)
next(iter(loader))
xb, yb = next(iter(loader))
w = torch.randn(2, 3, requires_grad=True)
loss = torch.nn.functional.cross_entropy(xb @ w, yb)
loss.backward()
print(len(ds), yb, w.grad)
""",
    'rows_of_a_dataset_and_a_split': """import torch
from torch.utils.data import DataLoader, TensorDataset, random_split
torch.manual_seed(2)
X = torch.randn(10, 2)
y = torch.randn(10)
ds = TensorDataset(X, y)
train, test = random_split(ds, [7, 3])
xi, yi = ds[4]
xt, yt = train[1]
w = torch.ones(2, requires_grad=True)
loss = (xi @ w - yi) ** 2 + (xt @ w - yt) ** 2
for xb, yb in DataLoader(test, batch_size=2):
    loss = loss + ((xb @ w - yb) ** 2).sum()
loss.backward()
print(len(train), len(test), w.grad, torch.randn(1))
""",
    'a_batch_is_a_list': """import torch
from torch.utils.data import DataLoader, TensorDataset
torch.manual_seed(0)
a = torch.randn(6, 2)
b = torch.randn(6)
w = torch.ones(2, requires_grad=True)
batch = next(iter(DataLoader(TensorDataset(a, b), batch_size=6)))
batch[0] = batch[0] * 2
((batch[0] @ w) * batch[1]).sum().backward()
print(w.grad)
""",
    'tensors_updated_in_place_after_the_data_set': """import torch
from torch.utils.data import DataLoader, TensorDataset
torch.manual_seed(0)
X = torch.randn(6, 2)
y = torch.randn(6)
Z = torch.ones(6)
ds = TensorDataset(X, y, Z)
X += 1
y.normal_()
Z.detach().zero_()
w = torch.ones(2, requires_grad=True)
for xb, yb, zb in DataLoader(ds, batch_size=4, shuffle=True):
    ((xb @ w - yb + zb) ** 2).sum().backward()
print(w.grad, ds[2])
""",
    'an_index_past_the_end': """import torch
from torch.utils.data import TensorDataset
ds = TensorDataset(torch.ones(3, 2), torch.zeros(3))
x, y = ds[3]
""",
    'tensors_of_other_lengths': """import torch
from torch.utils.data import TensorDataset
ds = TensorDataset(torch.ones(3, 2), torch.zeros(4))
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["an_index_past_the_end"]["error"]["type"] == "IndexError"
    assert reference["tensors_of_other_lengths"]["error"]["message"] == \
        "Size mismatch between tensors"
    assert reference["a_batch_is_a_list"]["error"] is None


def _train(shuffle: bool, drop_last: bool, epochs: int) -> tuple[list[float], list[float]]:
    """The loop of the snippet below, in plain torch: w after it, and a draw after it."""
    torch.manual_seed(7)
    x = torch.randn(10, 2)
    y = torch.randn(10)
    w = torch.zeros(2, requires_grad=True)
    loader = DataLoader(TensorDataset(x, y), batch_size=3, shuffle=shuffle,
                        drop_last=drop_last)
    for _ in range(epochs):
        for xb, yb in loader:
            ((xb @ w - yb) ** 2).mean().backward()
            with torch.no_grad():
                w -= 0.1 * w.grad  # type: ignore[operator]
                w.grad.zero_()  # type: ignore[union-attr]
    return w.tolist(), torch.randn(2).tolist()


def _ours(shuffle: bool, drop_last: bool, epochs: int) -> dict[str, Any]:
    return engine_side(f"""import torch
from torch.utils.data import DataLoader, TensorDataset
torch.manual_seed(7)
x = torch.randn(10, 2)
y = torch.randn(10)
w = torch.zeros(2, requires_grad=True)
loader = DataLoader(TensorDataset(x, y), batch_size=3, shuffle={shuffle},
                    drop_last={drop_last})
for epoch in range({epochs}):
    for xb, yb in loader:
        ((xb @ w - yb) ** 2).mean().backward()
        with torch.no_grad():
            w -= 0.1 * w.grad
            w.grad.zero_()
after = torch.randn(2, requires_grad=True)
((after * after).sum() + (w * w).sum()).backward()
""")


def engine_side_grads(reported: dict[str, Any]) -> dict[str, Any]:
    assert "refused" not in reported, reported.get("refused")
    assert reported["error"] is None, reported["error"]
    grads: dict[str, Any] = reported["grads"]
    return grads


@pytest.mark.parametrize(("shuffle", "drop_last", "epochs"),
                         [(True, False, 1), (True, True, 2), (False, False, 2),
                          (False, True, 1)])
def test_the_weights_and_a_draw_after_the_loop_are_torchs(shuffle: bool, drop_last: bool,
                                                          epochs: int) -> None:
    w, drawn = _train(shuffle, drop_last, epochs)
    ours = engine_side_grads(_ours(shuffle, drop_last, epochs))
    # the last backward: d/dw of (w * w).sum() is 2w, d/dafter of (after * after).sum() 2after
    assert ours["w"] == pytest.approx([2 * v for v in w], abs=1e-6)
    assert ours["after"] == pytest.approx([2 * v for v in drawn], abs=1e-6)


def test_the_shuffled_order_is_torchs_permutation() -> None:
    torch.manual_seed(4)
    values = torch.arange(8.0)
    batches = [b[0].tolist() for b in DataLoader(TensorDataset(values), batch_size=3,
                                                 shuffle=True)]
    # weight each batch by its position: the gradient tells the order the rows came in
    expected = [0.0] * 8
    for position, batch in enumerate(batches):
        for row in batch:
            expected[int(row)] = float(position + 1)
    ours = engine_side_grads(engine_side("""import torch
from torch.utils.data import DataLoader, TensorDataset
torch.manual_seed(4)
values = torch.arange(8.0)
w = torch.zeros(8, requires_grad=True)
total = 0
for position, (rows,) in enumerate(DataLoader(TensorDataset(values), batch_size=3,
                                              shuffle=True)):
    total = total + (position + 1) * w[rows.long()].sum()
total.backward()
"""))
    assert ours["w"] == expected
    assert batches != [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0]]  # it did shuffle


def test_random_split_takes_torchs_permutation() -> None:
    torch.manual_seed(9)
    parts = random_split(TensorDataset(torch.arange(6.0)), [4, 2])
    first = sorted(parts[0].indices)
    ours = engine_side_grads(engine_side("""import torch
from torch.utils.data import TensorDataset, random_split
torch.manual_seed(9)
ds = TensorDataset(torch.arange(6.0))
first, second = random_split(ds, [4, 2])
w = torch.zeros(6, requires_grad=True)
total = 0
for (row,) in first:
    total = total + w[row.long()]
total.backward()
"""))
    assert [i for i, g in enumerate(ours["w"]) if g == 1.0] == first


def test_workers_are_refused_with_why() -> None:
    refused = engine_side("""import torch
from torch.utils.data import DataLoader, TensorDataset
loader = DataLoader(TensorDataset(torch.ones(4)), batch_size=2, num_workers=2)
""")["refused"]
    assert "num_workers=2 loads the batches in other processes" in refused


def test_other_data_sets_stay_refused() -> None:
    refused = engine_side("""import torch
from torch.utils.data import WeightedRandomSampler
s = WeightedRandomSampler([0.5, 0.5], 2)
""")["refused"]
    assert refused.startswith("line 3, column 5: WeightedRandomSampler([0.5, 0.5], 2): of "
                              "torch.utils.data, Gradflow reads TensorDataset, DataLoader")
    vision = engine_side("""import torch
import torchvision
ds = torchvision.datasets.MNIST('.', download=True)
""")
    assert "torchvision" in vision.get("refused", "") or vision.get("error")
