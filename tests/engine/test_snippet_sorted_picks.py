"""Learner snippets sorting and ranking a tensor that carries a gradient, read as plain torch
runs them (in a subprocess), values and grads compared: x.sort(dim) / torch.sort,
x.topk(k, dim) / torch.topk, x.median(dim) and torch.median(x) (whose backward shares the
gradient among tied places), through tuple unpacking, .values and .indices; torch's own
refusals quoted."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests

_X = "x = torch.tensor([[1.0, 3.0, 2.0, -0.5], [0.5, -1.0, 4.0, 4.0], " \
     "[2.0, 2.0, 0.0, 7.0]], requires_grad=True)\n"
_W = "w = torch.arange(12.).reshape(3, 4) - 5.0\n"
_HEAD = "import torch\n" + _X + _W
SNIPPETS = {
    "sort_unpacked": _HEAD + "v, i = x.sort(1)\n(v * w).sum().backward()\nprint(i)\n",
    "sort_descending_dim0": _HEAD + "s = torch.sort(x, dim=0, descending=True)\n"
                                    "(s.values * w).sum().backward()\nprint(s.indices)\n",
    "sort_default_dim_values": _HEAD + "(x.sort().values[:, :2] ** 2).sum().backward()\n",
    "sort_stable": _HEAD + "v, i = torch.sort(x * 2, 1, stable=True)\n"
                           "(v * w).sum().backward()\n",
    "topk_default_dim": _HEAD + "v, i = x.topk(2)\n(v * w[:, :2]).sum().backward()\n"
                                "print(i)\n",
    "topk_smallest_dim0": _HEAD + "t = torch.topk(x, 2, dim=0, largest=False)\n"
                                  "(t.values * w[:2]).sum().backward()\nprint(t.indices)\n",
    "topk_indices_only": _HEAD + "i = x.topk(1, 1).indices\n(x * i).sum().backward()\n",
    "median_all_tied": _HEAD + "m = torch.median(x)\n(m * 3).backward()\n",
    "median_all_single": "import torch\nx = torch.tensor([3.0, 1.0, 4.0, 1.5, 9.0], "
                         "requires_grad=True)\nx.median().backward()\n",
    "median_dim": _HEAD + "v, i = x.median(1)\n(v * torch.tensor([1., 2., 3.])).sum()"
                          ".backward()\nprint(i)\n",
    "median_dim_keepdim": _HEAD + "m = torch.median(x, dim=0, keepdim=True)\n"
                                  "(m.values * w[:1]).sum().backward()\n",
    "max_dim_values_attribute": _HEAD + "(x.max(dim=1).values * 2).sum().backward()\n",
    "sort_without_grad_values": "import torch\nt = torch.tensor([3.0, 1.0, 2.0])\n"
                                "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n"
                                "(x * t.sort().values).sum().backward()\n",
    "topk_k_too_large": _HEAD + "v, i = x.topk(5)\nv.sum().backward()\n",
    "median_dim_out_of_range": _HEAD + "v, i = x.median(2)\nv.sum().backward()\n",
}


reference, test_matches_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    """Not vacuous: the median's tied places share the gradient; torch refuses where said."""
    tied = reference["median_all_tied"]["grads"]["x"]
    assert tied[0][2] == tied[2][0] == tied[2][1] == pytest.approx(1.0)  # 3 / 3 places
    assert reference["sort_unpacked"]["grads"]["x"][0] == [-4.0, -2.0, -3.0, -5.0]
    assert reference["topk_k_too_large"]["error"] == {
        "type": "RuntimeError", "message": "selected index k out of range"}
    assert reference["median_dim_out_of_range"]["error"]["type"] == "IndexError"
