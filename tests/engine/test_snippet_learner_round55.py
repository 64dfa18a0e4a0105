"""Forms met in unseen learner code, each against plain torch in a subprocess: pprint's
pprint, pp and PrettyPrinter(...).pprint as the output they are (print's kin)."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'grads_shown_with_pprint': """import torch
from pprint import pprint, PrettyPrinter
import pprint as pp_mod
pp = PrettyPrinter(indent=4)
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x ** 2).sum()
y.backward()
pprint({"grad": x.grad})
pp.pprint(x.grad)
pp_mod.pprint([1, 2])
print(x.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    shown = reference["grads_shown_with_pprint"]
    assert shown["grads"]["x"] == [2.0, 4.0]
    assert shown["stdout"].startswith("{'grad': tensor([2., 4.])}")
