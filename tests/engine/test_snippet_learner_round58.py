"""Forms met in unseen learner code, each against plain torch in a subprocess: gradcheck of
an expanded input (one number seen through stride 0, made a leaf or still computed), where
torch's check refuses the input before computing anything."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'gradcheck_of_an_expanded_leaf': """import torch
from torch.autograd import gradcheck
mat = torch.randn(2, 2, dtype=torch.float64)
vec = torch.randn(1, dtype=torch.float64).expand(2).requires_grad_(True)

def fn(vec):
    return (mat @ vec).sum()

gradcheck(fn, (vec,))
""",
    'gradcheck_of_an_expanded_computed_input': """import torch
from torch.autograd import gradcheck
w = torch.randn(1, dtype=torch.float64, requires_grad=True)
v = w.expand(3)
print(gradcheck(lambda t: (t * t).sum(), (v,)))
""",
    'gradcheck_of_an_expanded_input_made_contiguous': """import torch
from torch.autograd import gradcheck
vec = torch.randn(1, dtype=torch.float64).expand(2).contiguous().requires_grad_(True)
print(gradcheck(lambda t: (t * t).sum(), (vec,)))
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    for name in ("gradcheck_of_an_expanded_leaf", "gradcheck_of_an_expanded_computed_input"):
        assert "has a dimension with stride 0" in reference[name]["error"]["message"]
    assert reference["gradcheck_of_an_expanded_input_made_contiguous"]["stdout"] == "True\n"
