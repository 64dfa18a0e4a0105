"""Forms met in a round of unseen learner code: more backward calls than a document holds in
a loop that updates nothing (each call adds to the same .grad, as torch does)."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'more_calls_than_a_document_holds': """import torch
torch.manual_seed(0)
x = torch.nn.Linear(3, 3)
a = torch.randn(2, 3)
for i in range(150):
    y = torch.sum(x(a) ** 2)
    y.backward()
x2 = torch.nn.Linear(3, 3)
a2 = torch.randn(2, 3)
y2 = torch.sum(x2(a2))
for i in range(3):
    y2.backward()
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    more = reference["more_calls_than_a_document_holds"]
    assert "Trying to backward through the graph a second time" in str(more["error"])
    # the first layer's leaves hold what the 150 calls added up
    assert more["every_leaf_grad"][1] is not None and more["every_leaf_grad"][1][0] != 0


def test_the_calls_before_the_last_hundred_are_said_to_have_run() -> None:
    from engine.snippets.reader import import_snippet

    doc = import_snippet(SNIPPETS["more_calls_than_a_document_holds"])
    assert doc.description.startswith("100 earlier calls ran with torch while the snippet "
                                      "was read")
    assert len(doc.calls) == 53  # the loop's last 50, then y2's three

