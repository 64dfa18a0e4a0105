"""torch.cumprod / x.cumprod(dim) in learner snippets, read as plain torch runs them (in a
subprocess): the registry's cumprod with torch's own backward (zeros among the factors too),
torch's own refusals of a dim out of range or missing."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

_X = "import torch\nx = torch.tensor([[1.5, -2.0, 0.5], [0.0, 3.0, -1.0]], requires_grad=True)\n"
SNIPPETS = {
    "cumprod_function_dim1": _X + "y = torch.cumprod(x, 1)\n"
                                  "(y * torch.tensor([1., 2., 3.])).sum().backward()\n",
    "cumprod_method_dim0": _X + "(x.cumprod(0) ** 2).sum().backward()\n",
    "cumprod_keyword_negative_dim": _X + "x.cumprod(dim=-1)[:, -1].sum().backward()\n",
    "cumprod_vector_with_zero": "import torch\nv = torch.tensor([2.0, 0.0, 3.0, 0.0, 4.0], "
                                "requires_grad=True)\ntorch.cumprod(v, 0).sum().backward()\n",
    "cumprod_dim_out_of_range": _X + "torch.cumprod(x, 2).sum().backward()\n",
    "cumprod_without_dim": _X + "torch.cumprod(x).sum().backward()\n",
}


reference, test_matches_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    """Not vacuous: a factor 0 still gets the gradient of the products it starts."""
    assert reference["cumprod_vector_with_zero"]["grads"]["v"] == [1.0, 8.0, 0.0, 0.0, 0.0]
    assert reference["cumprod_dim_out_of_range"]["error"]["type"] == "IndexError"
    assert reference["cumprod_without_dim"]["error"]["type"] == "TypeError"
