"""A Dataset class of the snippet's own (engine/snippets/own_datasets.py): len() and ds[i]
through its __len__ and __getitem__, a DataLoader over it (shuffled, several epochs, items
that are tuples, dicts or single tensors, collated by torch's default_collate), random_split
and Subset of it, against plain torch in a subprocess; the order its items are asked for is
checked against torch's own loader in this process."""

from __future__ import annotations

from typing import Any

import torch
from snippet_agreement import agreement_tests
from test_corpus import engine_side
from torch.utils.data import DataLoader, Dataset

_COURSE_DATA = """import torch
from torch.utils.data import Dataset, DataLoader
torch.manual_seed(1)

class Data(Dataset):
    def __init__(self):
        self.x = torch.arange(-3, 3, 0.1).view(-1, 1)
        self.f = -3 * self.x + 1
        self.y = self.f + 0.1 * torch.randn(self.x.size())
        self.len = self.x.shape[0]

    def __getitem__(self, index):
        return self.x[index], self.y[index]

    def __len__(self):
        return self.len

"""

SNIPPETS = {
    'course_linear_regression_shuffled': _COURSE_DATA + """dataset = Data()
print(len(dataset), dataset[0])
w = torch.tensor(-15.0, requires_grad=True)
b = torch.tensor(-10.0, requires_grad=True)
criterion = torch.nn.MSELoss()
trainloader = DataLoader(dataset=dataset, batch_size=5, shuffle=True)
for epoch in range(2):
    for x, y in trainloader:
        loss = criterion(w * x + b, y)
        loss.backward()
        w.data = w.data - 0.1 * w.grad.data
        b.data = b.data - 0.1 * b.grad.data
        w.grad.data.zero_()
        b.grad.data.zero_()
after = torch.randn(2, requires_grad=True)
(after * w).sum().backward()
print(w, b, after.grad)
""",
    'items_one_by_one_in_a_range_loop': _COURSE_DATA + """dataset = Data()
w = torch.tensor(2.0, requires_grad=True)
total = 0
for i in range(len(dataset)):
    x, y = dataset[i]
    total = total + ((w * x - y) ** 2).sum()
total.backward()
print(w.grad)
""",
    'dict_items_with_super_init_and_a_model': """import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader
torch.manual_seed(0)

class Pairs(Dataset):
    def __init__(self, n):
        super().__init__()
        self.inputs = torch.randn(n, 3)
        self.targets = self.inputs.sum(dim=1, keepdim=True) * 2

    def __len__(self):
        return len(self.inputs)

    def __getitem__(self, idx):
        return {"x": self.inputs[idx], "y": self.targets[idx]}

model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loader = DataLoader(Pairs(10), batch_size=4, shuffle=True, drop_last=True)
for batch in loader:
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(batch["x"]), batch["y"])
    loss.backward()
    opt.step()
print(model.weight, model.bias.grad)
""",
    'single_tensor_items_and_a_split': """import torch
from torch.utils.data import Dataset, DataLoader, random_split
torch.manual_seed(5)

class Points(Dataset):
    def __init__(self, points):
        self.points = points

    def __len__(self):
        return self.points.shape[0]

    def __getitem__(self, i):
        return self.points[i] * 2

data = Points(torch.randn(9, 2))
train, test = random_split(data, [6, 3])
w = torch.ones(2, requires_grad=True)
for xb in DataLoader(train, batch_size=4):
    (xb @ w).pow(2).sum().backward()
print(len(train), len(test), w.grad, test[0])
""",
    'an_item_past_the_end_is_torchs_index_error': _COURSE_DATA + """dataset = Data()
x, y = dataset[60]
""",
    'no_len_is_pythons_type_error': """import torch
from torch.utils.data import Dataset

class NoLen(Dataset):
    def __getitem__(self, i):
        return torch.ones(2) * i

print(len(NoLen()))
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["an_item_past_the_end_is_torchs_index_error"]["error"]["type"] == \
        "IndexError"
    assert reference["no_len_is_pythons_type_error"]["error"]["message"] == \
        "object of type 'NoLen' has no len()"
    assert reference["course_linear_regression_shuffled"]["error"] is None


def test_items_are_asked_for_in_torchs_shuffled_order() -> None:
    class Rows(Dataset):  # type: ignore[type-arg]
        def __len__(self) -> int:
            return 7

        def __getitem__(self, i: int) -> torch.Tensor:
            return torch.tensor(float(i))

    torch.manual_seed(11)
    batches = [b.tolist() for b in DataLoader(Rows(), batch_size=3, shuffle=True)]
    expected = [0.0] * 7  # each row weighted by the position of its batch
    for position, batch in enumerate(batches):
        for row in batch:
            expected[int(row)] = float(position + 1)
    ours = engine_side("""import torch
from torch.utils.data import Dataset, DataLoader

class Rows(Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        return torch.tensor(float(i))

torch.manual_seed(11)
w = torch.zeros(7, requires_grad=True)
total = 0
for position, rows in enumerate(DataLoader(Rows(), batch_size=3, shuffle=True)):
    total = total + (position + 1) * w[rows.long()].sum()
total.backward()
""")
    assert ours["error"] is None and ours["grads"]["w"] == expected
    assert sorted(r for b in batches for r in b) == [float(i) for i in range(7)]


def test_a_loop_over_the_data_set_itself_says_what_to_write() -> None:
    refused = engine_side(_COURSE_DATA + """for x, y in Data():
    print(x)
""")["refused"]
    assert "loop over range(len(ds))" in refused
