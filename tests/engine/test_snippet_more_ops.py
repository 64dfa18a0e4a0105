"""More torch functions and nn modules learners use, read as registry ops with torch's own
backward and compared with plain torch in a subprocess on the grads of the snippet's leaves,
over several shapes and options: F.cosine_similarity / torch.cosine_similarity and
nn.CosineSimilarity. What torch refuses is said in its words."""

from __future__ import annotations

from typing import Any

import pytest
from test_corpus import agrees, engine_side
from torch_reference import by_name

HEAD = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"

SNIPPETS = {
    # rows of a batch against one vector, and two batches along dim=1 (the default)
    "cosine_rows_against_a_vector": HEAD + """
a = torch.tensor([[1.0, 2.0, 2.0], [0.5, -1.0, 3.0]], requires_grad=True)
b = torch.tensor([0.3, -0.7, 1.1], requires_grad=True)
s = F.cosine_similarity(a, b, dim=-1)
(s * torch.tensor([1.0, -2.0])).sum().backward()
""",
    "cosine_default_dim_and_eps": HEAD + """
x = torch.tensor([[1.0, 0.0], [3.0, 4.0], [0.0, 0.0]], requires_grad=True)
y = torch.tensor([[2.0, 1.0], [-1.0, 2.0], [1.0, 1.0]], requires_grad=True)
s = F.cosine_similarity(x, y, 1, 1e-3) + torch.cosine_similarity(x, y)
s.pow(2).sum().backward()
""",
    "cosine_broadcast_pairs": HEAD + """
u = torch.tensor([[[1.0, 2.0, 0.5, -1.0]], [[0.2, 0.1, 0.9, 0.4]]], requires_grad=True)
v = torch.tensor([[0.5, 0.5, 0.5, 0.5], [1.0, -1.0, 2.0, 0.0], [3.0, 1.0, 0.0, 1.0]],
                 requires_grad=True)
sim = F.cosine_similarity(u, v, dim=2)
loss = (sim * torch.arange(6.0).reshape(2, 3)).sum()
loss.backward()
""",
    "cosine_module": HEAD + """
cos = nn.CosineSimilarity(dim=0, eps=1e-6)
p = torch.tensor([[1.0, 2.0], [3.0, -4.0], [0.5, 0.5]], requires_grad=True)
q = torch.tensor([[2.0, 2.0], [1.0, 0.0], [-1.0, 1.0]])
cos(p, q).sum().backward()
loss = (1 - nn.CosineSimilarity()(p, q * 2)).mean()
loss.backward()
""",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name(SNIPPETS)


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_matches_plain_torch(name: str, reference: dict[str, dict[str, Any]]) -> None:
    ours = engine_side(SNIPPETS[name])
    assert reference[name]["error"] is None, reference[name]["error"]
    assert reference[name]["grads"] and all(g is not None
                                            for g in reference[name]["grads"].values())
    assert agrees(ours, reference[name]) is None, agrees(ours, reference[name])


ERRORS = {
    # a vector has no dim 1: torch's IndexError
    "cosine_of_vectors_default_dim": HEAD + """
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
s = F.cosine_similarity(a, torch.tensor([1.0, 0.0, 1.0]))
s.backward()
""",
    "cosine_sizes_differ": HEAD + """
a = torch.ones(2, 3, requires_grad=True)
s = nn.CosineSimilarity()(a, torch.ones(2, 4))
s.sum().backward()
""",
}


@pytest.fixture(scope="module")
def refused_by_torch() -> dict[str, dict[str, Any]]:
    return by_name(ERRORS)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_what_torch_refuses_is_said_in_its_words(
        name: str, refused_by_torch: dict[str, dict[str, Any]]) -> None:
    theirs = refused_by_torch[name]
    assert theirs["error"] is not None
    ours = engine_side(ERRORS[name])
    assert "refused" not in ours, ours
    assert ours["error"] is not None, ours
    assert (ours["error"]["type"], ours["error"]["message"]) == (
        theirs["error"]["type"], theirs["error"]["message"])
