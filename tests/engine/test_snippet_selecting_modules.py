"""Picks and small modules learners use, read through the registry's ops and compared with
plain torch: gather, index_select, masked_fill, max/min along a dim, contiguous, split, chunk,
unbind, narrow, diagonal, roll, repeat_interleave, F.normalize, torch.linalg.norm, one_hot,
SmoothL1Loss/HuberLoss, a scatter of constants (in a subprocess, on the grads of the
snippet's leaves), and nn.Softmax/LogSoftmax, Flatten, Identity, Dropout (train and eval),
Embedding and F.dropout (the input's grad in a subprocess, the parameters' grads against the
same lines run by torch here)."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from test_corpus import agrees, engine_side
from torch_reference import by_name

SNIPPETS = {
    "gather_rows": """import torch
x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
idx = torch.tensor([[2, 2], [0, 1]])
y = x.gather(1, idx) * torch.tensor([[1.0, 2.0], [3.0, 4.0]])
z = torch.gather(x, 0, torch.tensor([[1, 0, 1]]))
(y.sum() + (z * z).sum()).backward()
""",
    "index_select_twice": """import torch
x = torch.arange(12.0).reshape(3, 4).requires_grad_()
y = x.index_select(1, torch.tensor([3, 0, 3])) * 2
z = torch.index_select(x, 0, torch.tensor([1]))
(y.sum() + z.pow(2).sum()).backward()
""",
    "masked_fill_mask": """import torch
x = torch.tensor([1.0, -2.0, 3.0, -0.5], requires_grad=True)
y = x.masked_fill(x < 0, 0.0) * x
y.sum().backward()
""",
    "max_min_along_dims": """import torch
x = torch.tensor([[1.0, 5.0, 5.0], [7.0, 2.0, -1.0]], requires_grad=True)
vals, idx = x.max(dim=1)
low = torch.min(x, 0, keepdim=True)[0]
top = x.max(1, keepdim=True).values if False else torch.max(x, dim=1)[0]
(vals * torch.tensor([1.0, 3.0])).sum().backward(retain_graph=True)
(low.sum() + top.sum()).backward()
""",
    "contiguous_view": """import torch
x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
y = x.t().contiguous().view(-1) * torch.tensor([1.0, 2.0, 3.0, 4.0])
y.sum().backward()
""",
    "split_chunk_unbind_narrow": """import torch
x = torch.arange(12.0).reshape(3, 4).requires_grad_()
a, b = torch.split(x, [1, 3], dim=1)
c, d = x.chunk(2, dim=0)
e = x.unbind(1)[2]
f = x.narrow(0, 1, 2)
(a.sum() * 2 + (b * b).sum() + c.sum() * 3 + d.mean() + e.sum() + f.pow(3).sum()).backward()
""",
    "diagonal_roll_repeat": """import torch
x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], requires_grad=True)
d = x.diagonal()
r = torch.roll(x, 1, 1) * torch.arange(9.0).reshape(3, 3)
t = x.repeat_interleave(2, dim=0)
(d * d).sum().backward(retain_graph=True)
(r.sum() + t.pow(2).sum() + torch.diagonal(x, 1).sum()).backward()
""",
    "normalize_and_linalg_norm": """import torch
import torch.nn.functional as F
x = torch.tensor([[3.0, 4.0], [0.0, 0.0], [1.0, -2.0]], requires_grad=True)
u = F.normalize(x, dim=1)
v = F.normalize(x, p=1.0, dim=0)
n = torch.linalg.norm(x) + torch.linalg.norm(x, ord=1, dim=1).sum()
(u[:, 0].sum() + (v * v).sum() + n).backward()
""",
    "one_hot_and_smooth_losses": """import torch
import torch.nn as nn
import torch.nn.functional as F
x = torch.tensor([[0.2, -1.5, 3.0], [0.9, 0.1, -0.4]], requires_grad=True)
t = F.one_hot(torch.tensor([2, 0]), 3).float()
loss = nn.SmoothL1Loss(beta=0.5)(x, t) + nn.HuberLoss(delta=0.3, reduction="sum")(x, t)
loss = loss + F.smooth_l1_loss(x, t) + F.huber_loss(x * 2, t)
loss.backward()
""",
    "scatter_one_hot_constant": """import torch
x = torch.tensor([[0.5, 1.5, -2.0], [3.0, 0.0, 1.0]], requires_grad=True)
oh = torch.zeros(2, 3).scatter(1, torch.tensor([[2], [0]]), 1.0)
(x * oh * torch.tensor([2.0, 3.0, 4.0])).sum().backward()
""",
    "softmax_modules": """import torch
import torch.nn as nn
x = torch.tensor([[1.0, 2.0, 3.0], [0.5, 0.0, -1.0]], requires_grad=True)
p = nn.Softmax(dim=1)(x)
q = nn.LogSoftmax(dim=0)(x)
r = nn.Softmax()(x)
(p[:, 0].sum() + q[1].sum() + (r * r).sum()).backward()
""",
    "flatten_dropout_sequential": """import torch
import torch.nn as nn
torch.manual_seed(0)
net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.Dropout(0.5), nn.Tanh(), nn.Identity(),
                    nn.Linear(3, 1))
x = torch.randn(5, 2, 2, requires_grad=True)
net(x).mean().backward()
""",
    "dropout_in_eval_and_functional": """import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(1)
drop = nn.Dropout(p=0.3)
x = torch.randn(2, 4, requires_grad=True)
a = drop(x)
drop.eval()
b = drop(x)
c = F.dropout(x, 0.5) + F.dropout(x, p=0.2, training=False)
(a * 1.0 + b * 2.0 + c * 3.0).sum().backward()
w = torch.rand(3, requires_grad=True)  # the draws after the masks are torch's too
w.sum().backward()
""",
    # eval() turns the dropout off in the whole Sequential, train() on again
    "eval_then_train_sequential": """import torch
import torch.nn as nn
torch.manual_seed(0)
net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.Dropout(0.5), nn.Softmax(dim=1))
x = torch.randn(2, 2, 2, requires_grad=True)
net.eval()
net(x)[:, 0].sum().backward()
net.train()
net(x)[:, 1].sum().backward()
""",
    "embedding_rows": """import torch
import torch.nn as nn
torch.manual_seed(0)
emb = nn.Embedding(6, 3)
idx = torch.tensor([[1, 2], [1, 5]])
h = torch.ones(3, requires_grad=True)
out = (emb(idx) * h).sum()
out.backward()
""",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name(SNIPPETS)


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_matches_plain_torch(name: str, reference: dict[str, dict[str, Any]]) -> None:
    ours = engine_side(SNIPPETS[name])
    assert agrees(ours, reference[name]) is None, agrees(ours, reference[name])
    assert reference[name]["grads"] and all(g is not None
                                            for g in reference[name]["grads"].values())


def test_module_parameters_get_torchs_grads() -> None:
    """The parameters are not names of the script, so they are compared here, with the
    same lines run by torch."""
    ours = engine_side(SNIPPETS["flatten_dropout_sequential"])["grads"]
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3), torch.nn.Dropout(0.5),
                              torch.nn.Tanh(), torch.nn.Identity(), torch.nn.Linear(3, 1))
    x = torch.randn(5, 2, 2, requires_grad=True)
    net(x).mean().backward()
    assert torch.allclose(torch.tensor(ours["net_1_weight"]), net[1].weight.grad)
    assert torch.allclose(torch.tensor(ours["net_5_bias"]), net[5].bias.grad)
    kept = net[1].weight.grad.clone()
    net.zero_grad()
    net.eval()(x).mean().backward()  # without the mask the grads differ: it took part
    assert not torch.allclose(kept, net[1].weight.grad)

    ours = engine_side(SNIPPETS["embedding_rows"])["grads"]
    torch.manual_seed(0)
    emb = torch.nn.Embedding(6, 3)
    h = torch.ones(3, requires_grad=True)
    (emb(torch.tensor([[1, 2], [1, 5]])) * h).sum().backward()
    assert torch.allclose(torch.tensor(ours["emb_weight"]), emb.weight.grad)
    assert torch.allclose(torch.tensor(ours["h"]), h.grad)


@pytest.mark.parametrize(("body", "said"), [
    ("y = x.gather(1, torch.tensor([[0], [5]]))\n", "index 5 is out of bounds"),
    ("y = x.masked_fill(torch.tensor([[1, 0, 1], [0, 0, 0]]), 0.0)\n",
     "masked_fill_ only supports boolean masks"),
    ("y = nn.Dropout(1.5)(x)\n", "dropout probability has to be between 0 and 1"),
    ("y = x.masked_fill(x > 2, x.sum())\n",  # its gradient would be lost: refused
     ".masked_fill() is read with a plain number or a tensor without grad as the value"),
    ("y = nn.Embedding(3, 2, max_norm=1.0)\n",
     "nn.Embedding is read with num_embeddings, embedding_dim, padding_idx, dtype"),
])
def test_what_torch_refuses_is_said_in_its_words(body: str, said: str) -> None:
    head = ("import torch\nimport torch.nn as nn\n"
            "x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)\n")
    ours = engine_side(head + body)
    text = ours.get("refused") or (ours["error"] or {}).get("message", "")
    assert said in text, ours
