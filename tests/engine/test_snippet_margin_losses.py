"""The margin, embedding and likelihood losses (engine/loss_ops.py): nn.TripletMarginLoss,
nn.GaussianNLLLoss, nn.MultiLabelMarginLoss, nn.MultiMarginLoss, nn.SoftMarginLoss,
nn.CosineEmbeddingLoss, nn.HingeEmbeddingLoss, nn.MultiLabelSoftMarginLoss and their F.
forms, with torch's defaults, each reduction and their options, against plain torch run in a
subprocess: the grads of every input that requires grad, the target too, and torch's own
error for shapes, targets and options it refuses."""

from __future__ import annotations

from typing import Any

import pytest
from test_corpus import agrees, engine_side
from torch_reference import by_name

from engine.explain import explain
from engine.loss_ops import LOSS_NAMES
from engine.ops import OPS
from engine.run import run
from engine.snippets.reader import import_snippet

HEAD = ("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
        "torch.manual_seed(0)\n")
TRIPLET = """
a = torch.randn(4, 5, requires_grad=True)
p = torch.randn(4, 5, requires_grad=True)
n = torch.randn(4, 5, requires_grad=True)
"""
GAUSS = """
mu = torch.randn(3, 2, requires_grad=True)
y = torch.randn(3, 2, requires_grad=True)
var = torch.rand(3, 2).add(0.1).requires_grad_()
"""
SCORES = """
x = torch.randn(3, 4, requires_grad=True)
"""
PAIRS = """
u = torch.randn(4, 3, requires_grad=True)
v = torch.randn(4, 3, requires_grad=True)
t = torch.tensor([1., -1., 1., -1.])
"""
SIGNS = """
x = torch.randn(2, 3, requires_grad=True)
y = torch.tensor([[1., -1., 1.], [-1., -1., 1.]])
"""
LABELS = """
x = torch.randn(3, 4, requires_grad=True)
y = torch.tensor([[1., 0., 1., 0.], [0., 0., 0., 1.], [1., 1., 0., 0.]], requires_grad=True)
"""
MULTILABEL = "y = torch.tensor([[3, 0, -1, 1], [0, 1, 2, 3], [1, -1, 0, 0]])\n"
CLASSES = "y = torch.tensor([3, 0, 1])\n"
REDUCTIONS = ("mean", "sum", "none")


def _three(kind: str, data: str, names: str, options: str = "") -> dict[str, str]:
    return {f"{kind}_{r}": data + f"loss = nn.{kind}({options}reduction='{r}')({names})\n"
            "(loss * torch.arange(1., loss.numel() + 1).reshape(loss.shape)).sum()"
            ".backward()\n" for r in REDUCTIONS}


SNIPPETS = {
    **_three("TripletMarginLoss", TRIPLET, "a, p, n"),
    "TripletMarginLoss_options": TRIPLET + "nn.TripletMarginLoss(0.5, p=1, swap=True)(a, p, n)"
                                 ".backward()\n",
    "triplet_functional": TRIPLET + "F.triplet_margin_loss(a, p * 2, n, margin=2.0, p=3)"
                                    ".backward()\n",
    "triplet_vectors": TRIPLET + "F.triplet_margin_loss(a[1], p[1], n[1]).backward()\n",
    **_three("GaussianNLLLoss", GAUSS, "mu, y, var"),
    "GaussianNLLLoss_full": GAUSS + "nn.GaussianNLLLoss(full=True, eps=0.2)(mu, y, var)"
                                    ".backward()\n",
    "gaussian_functional_var_column": GAUSS + "s = torch.rand(3, 1, requires_grad=True)\n"
                                              "F.gaussian_nll_loss(mu, y, s).backward()\n",
    # a float var is torch's var · ones_like(input)
    "gaussian_float_var": GAUSS + "F.gaussian_nll_loss(mu, y, 0.5).backward()\n"
                                  "nn.GaussianNLLLoss(reduction='sum')(mu * 2, y, 2.0)"
                                  ".backward()\n",
    **_three("MultiLabelMarginLoss", SCORES + MULTILABEL, "x, y"),
    "multilabel_margin_functional": SCORES + MULTILABEL + "F.multilabel_margin_loss(x.tanh(), "
                                                          "y).backward()\n",
    **_three("MultiMarginLoss", SCORES + CLASSES, "x, y"),
    "MultiMarginLoss_options": SCORES + CLASSES + "w = torch.tensor([1., 2., .5, 3.])\n"
                               "nn.MultiMarginLoss(2, 0.5, w)(x, y).backward()\n",
    "multi_margin_functional": SCORES + CLASSES + "F.multi_margin_loss(x, y, margin=2.0, "
                               "weight=torch.tensor([1., 2., .5, 3.])).backward()\n",
    **_three("SoftMarginLoss", SIGNS, "x, y"),
    "soft_margin_functional": SIGNS + "F.soft_margin_loss(x * 3, y).backward()\n",
    **_three("CosineEmbeddingLoss", PAIRS, "u, v, t"),
    "CosineEmbeddingLoss_margin": PAIRS + "nn.CosineEmbeddingLoss(margin=-0.2)(u, v, t)"
                                          ".backward()\n",
    "cosine_embedding_functional": PAIRS + "F.cosine_embedding_loss(u, v, t, 0.3).backward()\n",
    **_three("HingeEmbeddingLoss", SIGNS, "x, y"),
    "hinge_embedding_functional": SIGNS + "F.hinge_embedding_loss(x, y, margin=0.5)"
                                          ".backward()\n",
    **_three("MultiLabelSoftMarginLoss", LABELS, "x, y"),
    "MultiLabelSoftMarginLoss_weight": LABELS + "nn.MultiLabelSoftMarginLoss("
                                       "torch.tensor([1., 2., .5, 3.]))(x, y).backward()\n",
    "multilabel_soft_margin_functional": LABELS + "F.multilabel_soft_margin_loss(x, y, "
                                                  "reduction='sum').backward()\n",
}
# torch refuses these, with its own words, at the line it refuses them
REFUSED = {
    "triplet_ndim": TRIPLET + "F.triplet_margin_loss(a, p, n[0]).backward()\n",
    "gaussian_negative_var": GAUSS + "F.gaussian_nll_loss(mu, y, -var).backward()\n",
    "gaussian_var_size": GAUSS + "F.gaussian_nll_loss(mu, y, var[:, :1].sum(1)[:2])"
                                 ".backward()\n",
    "gaussian_int_var": GAUSS + "F.gaussian_nll_loss(mu, y, 1).backward()\n",
    "gaussian_negative_float_var": GAUSS + "F.gaussian_nll_loss(mu, y, -1.0).backward()\n",
    "multilabel_float_target": SCORES + "nn.MultiLabelMarginLoss()(x, x.detach()).backward()\n",
    "multi_margin_out_of_range": SCORES + "F.multi_margin_loss(x, torch.tensor([0, 1, 4]))"
                                          ".backward()\n",
    "multi_margin_p3_module": SCORES + CLASSES + "nn.MultiMarginLoss(p=3)(x, y).backward()\n",
    "multi_margin_p3_functional": SCORES + CLASSES + "F.multi_margin_loss(x, y, p=3)"
                                                     ".backward()\n",
    "soft_margin_target_grad": LABELS + "F.soft_margin_loss(x, y).backward()\n",
    "cosine_target_2d": PAIRS + "F.cosine_embedding_loss(u, v, t[:, None]).backward()\n",
    "hinge_shapes": SIGNS + "F.hinge_embedding_loss(x, y[:, :2]).backward()\n",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name({name: HEAD + code for name, code in {**SNIPPETS, **REFUSED}.items()})


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_the_loss_agrees_with_plain_torch(name: str,
                                          reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference[name]
    assert theirs["error"] is None, theirs
    ours = engine_side(HEAD + SNIPPETS[name])
    assert agrees(ours, theirs) is None, agrees(ours, theirs)
    ops = {n.op for n in import_snippet(HEAD + SNIPPETS[name]).nodes()}
    assert ops & set(LOSS_NAMES), ops
    grads = [g for g in theirs["grads"].values() if g is not None]
    assert grads and any(v != 0 for g in grads for v in _flat(g)), theirs["grads"]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_torchs_own_refusal_is_quoted(name: str, reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference[name]
    assert theirs["error"] is not None, name
    ours = engine_side(HEAD + REFUSED[name])
    if "refused" in ours:  # refused as the snippet is read: in torch's own words
        assert theirs["error"]["message"] in ours["refused"], (ours, theirs["error"])
    else:
        assert agrees(ours, theirs) is None, agrees(ours, theirs)


def test_the_targets_that_torch_differentiates_get_its_gradient(
        reference: dict[str, dict[str, Any]]) -> None:
    """The gaussian's target and var, the multi-label soft margin's 0/1 targets: leaves with
    a .grad from torch's own backward (compared above), and not zero."""
    for name, leaf in (("GaussianNLLLoss_mean", "y"), ("GaussianNLLLoss_sum", "var"),
                       ("MultiLabelSoftMarginLoss_none", "y")):
        grad = reference[name]["grads"][leaf]
        assert grad is not None and any(v != 0 for v in _flat(grad)), (name, leaf)


def _flat(v: Any) -> list[float]:
    return [x for item in v for x in _flat(item)] if isinstance(v, list) else [v]


def test_every_loss_of_the_module_is_read_both_ways() -> None:
    read = {n.op for name in SNIPPETS for n in import_snippet(HEAD + SNIPPETS[name]).nodes()}
    assert set(LOSS_NAMES) <= read
    assert all(OPS[name].category == "losses" for name in LOSS_NAMES)


EXPLAINED = {  # the rule in names, and the count the mean divides by (rows or elements)
    "triplet_vectors": ("grad_out · [d⁺ − d⁻ + margin > 0] · ((index − index_2) / d⁺", " / 1"),
    "GaussianNLLLoss_mean": ("grad_out · ½ · (1 / var − (mu − y)² / var²) / n", " / 6"),
    "MultiMarginLoss_mean": ("Σ_(i ≠ y, margin − x[y] + x[i] > 0) (e_i − e_y) / C / n",
                             " / C / 3"),
    "MultiMarginLoss_options": ("2 · (margin − x[y] + x[i]) · (e_i − e_y) · w[y] / C / n",
                                " / C / 3"),
    "soft_margin_functional": ("−grad_out · y · σ(−y · mul) / n", " / 6"),
    "hinge_embedding_functional": ("grad_out · ([y ≠ −1] − [y ≠ 1 and x ≤ margin]) / n",
                                   " / 6"),
    "MultiLabelSoftMarginLoss_mean": ("grad_out · (σ(x) − y) / C / n", " / C / 3"),
    "CosineEmbeddingLoss_sum": ("grad_out · ([t = −1 and cos > margin] − [t = 1])", " / 1"),
}


@pytest.mark.parametrize("name", sorted(EXPLAINED))
def test_the_losses_are_explained_with_their_rule(name: str) -> None:
    doc = import_snippet(HEAD + SNIPPETS[name])
    result = run(doc)
    assert result.error is None, result.error
    (node,) = [n for n in doc.nodes() if n.op in LOSS_NAMES]
    lines = explain(doc, result, node.id)
    rule, count = EXPLAINED[name]
    assert any(rule in line.text for line in lines if line.kind == "formula"), lines
    assert any(line.text.endswith(count) for line in lines if line.kind == "numbers"), lines
