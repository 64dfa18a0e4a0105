"""margin_ranking_loss (nn.MarginRankingLoss, F.margin_ranking_loss) and poisson_nll_loss
(nn.PoissonNLLLoss, F.poisson_nll_loss) with torch's defaults and each reduction, against plain
torch run in a subprocess: the grads of the inputs and of a target that requires grad."""

from __future__ import annotations

from typing import Any

import pytest
from test_corpus import agrees, engine_side
from torch_reference import by_name

from engine.explain import explain
from engine.ops import OPS
from engine.run import run
from engine.snippets.reader import import_snippet

HEAD = ("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
        "torch.manual_seed(0)\n")
RANKING = """
x1 = torch.randn(6, requires_grad=True)
x2 = torch.randn(6, requires_grad=True)
y = torch.tensor([1., -1., 1., 1., -1., -1.], requires_grad=True)
"""
POISSON = """
rate = torch.randn(2, 3, requires_grad=True)
counts = torch.tensor([[0., 2., 1.], [3., 0., 5.]], requires_grad=True)
"""
SNIPPETS = {
    **{f"ranking_module_{r}": RANKING + f"loss = nn.MarginRankingLoss(reduction='{r}')"
       f"(x1, x2, y)\nloss.sum().backward()\n" for r in ("mean", "sum", "none")},
    "ranking_functional": RANKING + "F.margin_ranking_loss(x1 * 2, x2, y).backward()\n",
    # a margin: pairs ranked the right way but closer than it pull too
    "ranking_module_margin": RANKING + "nn.MarginRankingLoss(0.5)(x1, x2, y).backward()\n",
    "ranking_functional_margin": RANKING + "F.margin_ranking_loss(x1, x2, y, margin=1.5, "
                                           "reduction='sum').backward()\n",
    **{f"poisson_module_{r}": POISSON + f"loss = nn.PoissonNLLLoss(reduction='{r}')"
       f"(rate, counts)\n(loss * 3).sum().backward()\n" for r in ("mean", "sum", "none")},
    "poisson_functional": POISSON + "F.poisson_nll_loss(rate.tanh(), counts).backward()\n",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name({name: HEAD + code for name, code in SNIPPETS.items()})


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_the_loss_agrees_with_plain_torch(name: str,
                                          reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference[name]
    assert theirs["error"] is None, theirs
    ours = engine_side(HEAD + SNIPPETS[name])
    assert agrees(ours, theirs) is None, agrees(ours, theirs)
    ops = {n.op for n in import_snippet(HEAD + SNIPPETS[name]).nodes()}
    assert ops & {"margin_ranking_loss", "poisson_nll_loss"}
    grads = theirs["grads"]
    for leaf in ("x1", "x2", "y") if name.startswith("ranking") else ("rate", "counts"):
        assert grads[leaf] is not None and any(v != 0 for v in _flat(grads[leaf])), leaf


def _flat(v: Any) -> list[float]:
    return [x for item in v for x in _flat(item)] if isinstance(v, list) else [v]


def test_the_losses_are_explained() -> None:
    said = {"ranking_functional": "−grad_out · y · [y · (mul − x2) ≤ margin] / n",
            "poisson_functional": "grad_out · (exp(tanh) − counts) / n"}
    for name in ("ranking_functional", "poisson_functional"):
        doc = import_snippet(HEAD + SNIPPETS[name])
        result = run(doc)
        (node,) = [n for n in doc.nodes() if n.op in OPS and OPS[n.op].category == "losses"]
        text = " ".join(line.text for line in explain(doc, result, node.id))
        assert said[name] in text, text
