"""Class weights and label smoothing in learner losses, read as plain torch runs them (in a
subprocess), values and grads compared: nn.CrossEntropyLoss / F.cross_entropy with weight=
and label_smoothing=, nn.BCEWithLogitsLoss / F.binary_cross_entropy_with_logits with
pos_weight=, each reduction; torch's own refusals of weights it does not take."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import engine_side
from torch_reference import by_name

from engine.explain import explain
from engine.run import run
from engine.snippets.reader import import_snippet

_CE = """import torch
import torch.nn as nn
import torch.nn.functional as F
logits = torch.tensor([[1.2, -0.4, 0.3], [0.1, 2.0, -1.0], [0.5, 0.5, 0.9], [-1.0, 0.2, 0.0]],
                      requires_grad=True)
labels = torch.tensor([0, 1, 2, 2])
w = torch.tensor([0.2, 1.0, 3.0])
"""
_BCE = """import torch
import torch.nn as nn
import torch.nn.functional as F
z = torch.tensor([[0.8, -1.5, 0.1], [2.0, 0.3, -0.7]], requires_grad=True)
y = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
"""
SNIPPETS = {
    "ce_module_weight": _CE + "loss = nn.CrossEntropyLoss(weight=w)(logits, labels)\n"
                              "loss.backward()\n",
    "ce_module_weight_sum_smoothing": _CE + "crit = nn.CrossEntropyLoss(weight=w, "
                                            "reduction='sum', label_smoothing=0.1)\n"
                                            "crit(logits, labels).backward()\n",
    "ce_functional_none": _CE + "l = F.cross_entropy(logits, labels, weight=w, "
                                "reduction='none')\n(l * torch.arange(4.)).sum().backward()\n",
    "ce_functional_smoothing_only": _CE + "F.cross_entropy(logits * 2, labels, "
                                          "label_smoothing=0.25).backward()\n",
    "ce_probabilities_weight": _CE + "p = torch.softmax(torch.arange(12.).reshape(4, 3), 1)\n"
                                     "F.cross_entropy(logits, p, weight=w, label_smoothing=0.05)"
                                     ".backward()\n",
    "ce_weight_none": _CE + "F.cross_entropy(logits, labels, weight=None).backward()\n",
    "ce_weight_wrong_length": _CE + "F.cross_entropy(logits, labels, weight=w[:2]).backward()\n",
    "ce_weight_other_dtype": _CE + "F.cross_entropy(logits, labels, weight=w.double())"
                                   ".backward()\n",
    "ce_smoothing_out_of_range": _CE + "nn.CrossEntropyLoss(label_smoothing=1.5)(logits, "
                                       "labels).backward()\n",
    "bce_module_pos_weight": _BCE + "crit = nn.BCEWithLogitsLoss(pos_weight=torch.tensor("
                                    "[3.0, 0.5, 1.0]))\ncrit(z, y).backward()\n",
    "bce_functional_pos_weight_sum": _BCE + "F.binary_cross_entropy_with_logits(z, y, "
                                            "pos_weight=torch.tensor([2.0, 2.0, 4.0]), "
                                            "reduction='sum').backward()\n",
    "bce_pos_weight_wrong_length": _BCE + "F.binary_cross_entropy_with_logits(z, y, "
                                          "pos_weight=torch.tensor([2.0, 1.0])).backward()\n",
}


reference, test_matches_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    """Not vacuous: the weights change torch's gradient; torch refuses where said."""
    weighted = reference["ce_module_weight"]["grads"]["logits"]
    plain = by_name({"p": _CE + "nn.CrossEntropyLoss()(logits, labels).backward()\n"})
    assert weighted != plain["p"]["grads"]["logits"]
    assert reference["ce_weight_wrong_length"]["error"]["message"].startswith(
        "weight tensor should be defined either for all 3 classes")
    assert reference["ce_weight_other_dtype"]["error"]["message"] == \
        "expected scalar type Float but found Double"
    assert reference["bce_pos_weight_wrong_length"]["error"]["type"] == "RuntimeError"
    assert reference["ce_smoothing_out_of_range"]["error"]["message"] == \
        "label_smoothing must be between 0.0 and 1.0. Got: 1.5"


def test_a_weight_that_requires_grad_is_refused_saying_why() -> None:
    ours = engine_side(_CE + "v = torch.ones(3, requires_grad=True)\n"
                             "F.cross_entropy(logits, labels, weight=v).backward()\n")
    assert "requires grad" in ours["refused"] and "weight=" in ours["refused"]


@pytest.mark.parametrize(("name", "op", "formula"), [
    ("ce_module_weight_sum_smoothing", "cross_entropy", "w·t'"),
    ("bce_module_pos_weight", "binary_cross_entropy_with_logits", "pw"),
])
def test_the_explanation_follows_the_weights(name: str, op: str, formula: str) -> None:
    """The explain pane's rule is the weighted one (checked against torch by hand: the
    weighted softmax-minus-target and σ·(1 + (pw − 1)·t) − pw·t give torch's grads)."""
    doc = import_snippet(SNIPPETS[name], layout=False)
    node = next(n for n in doc.nodes() if n.op == op)
    texts = [line.text for line in explain(doc, run(doc), node.id)]
    assert any(formula in t for t in texts), texts
