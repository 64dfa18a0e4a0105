"""Forms met in a ninth round of learner snippets, each read as plain torch runs it (in a
subprocess): `torch.manual_seed(seed=...)`, `torch.tensor(data=...)`, Python's
`random.seed(...)` next to torch's own seed, `a.sub_(...)` of a leaf under torch.no_grad()
(fast.ai's update), `x[range(n), y]` (the nn tutorial's nll), karpathy's own
`g = torch.Generator().manual_seed(n)` given as generator=g, a column filled in place
(`x[:, 0].uniform_(-1, 1)`, `.zero_()`, `.fill_()`) and `W.grad.data.zero_()`
before any backward, which fails with Python's own words at `.data`."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import agrees, engine_side

SNIPPETS = {
    "manual_seed_by_keyword": """import torch
torch.manual_seed(seed=20200910)
x = torch.randn(3, 5, requires_grad=True)
m = x.mean() * 15.0
m.retain_grad()
loss = 2 * (m + 55.0) / 2.0 + 89.2
loss.backward()
""",
    "tensor_data_keyword": """import torch
t = torch.tensor(data=7., requires_grad=True)
w = torch.tensor(data=[1.0, 2.0], requires_grad=True)
(t * t + (w * t).sum()).backward()
""",
    "python_random_seed_beside_torchs": """import random
import torch
seed = 1
random.seed(seed)
torch.manual_seed(seed)
X = torch.unsqueeze(torch.linspace(-1, 1, 10), dim=1)
y = X.pow(3) + 0.3 * torch.rand(X.size())
w = torch.randn(1, 1, requires_grad=True)
loss = ((X @ w - y) ** 2).mean()
loss.backward()
""",
    "sub_of_a_leaf_under_no_grad": """import torch
torch.manual_seed(0)
x = torch.ones(20, 2)
x[:, 0].uniform_(-1., 1)
y = x @ torch.tensor([3., 2]) + torch.rand(20)
a = torch.tensor([-5., 5.], requires_grad=True)
for t in range(3):
    loss = ((y - x @ a) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        a.sub_(0.1 * a.grad)
        a.grad.zero_()
loss = ((y - x @ a) ** 2).mean()
loss.backward()
""",
    "a_column_filled_in_place": """import torch
torch.manual_seed(0)
x = torch.ones(6, 3)
x[:, 0].uniform_(-1., 1)
x[:, 1].zero_()
x[1:3, 2].fill_(4.)
x[4].normal_()
a = torch.tensor([-5., 5., 2.], requires_grad=True)
loss = (x @ a).pow(2).sum()
loss.backward()
""",
    "a_generator_of_the_snippets_own": """import torch
import torch.nn.functional as F
torch.manual_seed(0)
g = torch.Generator().manual_seed(2147483647)
xs = torch.randint(0, 27, (12,), generator=g)
ys = torch.randint(0, 27, (12,), generator=g)
W = torch.randn((27, 27), generator=g, requires_grad=True)
b = torch.rand(27, generator=g)
noise = torch.randn(27)
xenc = F.one_hot(xs, num_classes=27).float()
logits = xenc @ W + b + noise
loss = F.cross_entropy(logits, ys) + 0.01 * (W ** 2).mean()
loss.backward()
""",
    "indexing_with_a_range": """import torch
torch.manual_seed(0)
preds = torch.randn(4, 3, requires_grad=True)
target = torch.tensor([0, 2, 1, 2])
def nll(input, target):
    return -input[range(target.shape[0]), target].mean()
loss = nll(preds.log_softmax(-1), target)
loss.backward()
""",
}

GRAD_DATA_BEFORE_BACKWARD = """import torch
torch.manual_seed(0)
W = torch.randn(4, 3, requires_grad=True)
for sample in torch.randn(2, 4):
    W.grad.data.zero_()
    loss = (sample @ W).sum()
    loss.backward()
"""


reference, test_read_as_plain_torch_runs_it = agreement_tests(
    SNIPPETS, also={"grad_data_before_backward": GRAD_DATA_BEFORE_BACKWARD})


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    for name in SNIPPETS:
        result = reference[name]
        assert result["error"] is None, name
        assert result["grads"] and all(g is not None for g in result["grads"].values()), name
    # d/dt of t*t + (w*t).sum() at t=7, w=[1,2]: 2t + 3 = 17; d/dw = t
    assert reference["tensor_data_keyword"]["grads"]["t"] == 17.0
    assert reference["tensor_data_keyword"]["grads"]["w"] == [7.0, 7.0]


def test_grad_data_before_any_backward_is_pythons_error_at_data(
        reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference["grad_data_before_backward"]
    assert theirs["error"] is not None
    assert "has no attribute 'data'" in str(theirs["error"])
    ours = engine_side(GRAD_DATA_BEFORE_BACKWARD)
    assert agrees(ours, theirs) is None, agrees(ours, theirs)
    assert ours["error"]["message"] == "'NoneType' object has no attribute 'data'"


@pytest.mark.parametrize("write", ["x[0][1].zero_()", "x.t()[0].mul_(3)",
                                   "x.T[0].add_(1)"])
def test_a_write_through_a_view_of_a_view_is_refused_not_lost(write: str) -> None:
    """torch writes into x through x[0] (a view); the reader's x[0] of a tensor outside the
    graph is a copy, so the write would be lost: it is refused, naming the form read."""
    ours = engine_side(f"import torch\nx = torch.ones(4, 2)\n{write}\n"
                       "a = torch.tensor([-5., 5.], requires_grad=True)\n"
                       "(x @ a).pow(2).sum().backward()\n")
    assert "writes into a tensor through a view of a view" in ours["refused"]
