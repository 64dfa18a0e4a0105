"""nn.Embedding(n, d, padding_idx=k) and F.embedding(..., padding_idx=k) against plain torch run
in a subprocess: torch zeroes the module's padding row as it makes it and gives that row no
gradient (F.embedding's weight keeps its numbers there, and its gradient is cut too)."""

from __future__ import annotations

from typing import Any

import pytest
from test_corpus import agrees, engine_side
from torch_reference import by_name

HEAD = ("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
        "torch.manual_seed(0)\n")
SNIPPETS = {
    "module_padding_row": """
emb = nn.Embedding(5, 3, padding_idx=0)
emb_weight = emb.weight
tokens = torch.tensor([[0, 2, 0], [4, 1, 0]])
scale = torch.ones(3, requires_grad=True)  # its grad sums the rows: the padding row's zeros
out = emb(tokens) * scale
(out * torch.arange(18.).reshape(2, 3, 3)).sum().backward()
""",
    "module_negative_padding_idx": """
emb = nn.Embedding(4, 2, -1)
emb_weight = emb.weight
out = emb(torch.tensor([3, 1, 3, 0]))
out.pow(2).sum().backward()
""",
    "functional_padding_row_keeps_its_numbers": """
w = torch.randn(6, 2, requires_grad=True)
idx = torch.tensor([1, 5, 5, 2])
y = F.embedding(idx, w, padding_idx=5)
(y * y).sum().backward()
""",
    "functional_without_padding": """
w = torch.randn(4, 3, requires_grad=True)
y = F.embedding(torch.tensor([[0, 3], [3, 3]]), w)
y.exp().sum().backward()
""",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name({name: HEAD + code for name, code in SNIPPETS.items()})


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_embedding_agrees_with_plain_torch(name: str,
                                           reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference[name]
    assert theirs["error"] is None, theirs
    ours = engine_side(HEAD + SNIPPETS[name])
    assert agrees(ours, theirs) is None, agrees(ours, theirs)
    weight = theirs["grads"].get("emb_weight") or theirs["grads"].get("w")
    assert weight is not None and any(v != 0 for row in weight for v in row)


def test_the_padding_row_has_no_gradient(reference: dict[str, dict[str, Any]]) -> None:
    ours = engine_side(HEAD + SNIPPETS["module_padding_row"])
    assert ours["grads"]["emb_weight"][0] == [0.0, 0.0, 0.0]
    assert len(ours["grads"]["scale"]) == 3
    assert reference["module_padding_row"]["grads"]["emb_weight"][0] == [0.0, 0.0, 0.0]
    ours = engine_side(HEAD + SNIPPETS["functional_padding_row_keeps_its_numbers"])
    assert ours["grads"]["w"][5] == [0.0, 0.0]


def test_a_padding_idx_outside_the_rows_raises_torchs_error() -> None:
    code = HEAD + "emb = nn.Embedding(3, 2, padding_idx=3)\n"
    (theirs,) = by_name({"bad": code}).values()
    ours = engine_side(code)
    assert theirs["error"] is not None
    assert ours["error"]["message"] == theirs["error"]["message"], ours
