"""Gradients kept in a list between backward calls, read as plain torch runs them (in a
subprocess): `rows.append(x.grad.clone())` after each backward (a Jacobian built row by row,
gradient norms per step) keeps the numbers of that point of the script; a later
`torch.stack(rows)` computes with them. Appending the .grad itself keeps a tensor a later
backward adds to in place: it may be displayed, and a computation with it is refused rather
than read with the numbers of the append."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    "jacobian_rows_stacked_then_used": """import torch
def f(x):
    return torch.stack([x[0]**2 + x[1], x[1]**2 + x[2], x[2]*x[0]])
rows = []
for i in range(3):
    xi = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    yi = f(xi)
    v = torch.zeros_like(yi)
    v[i] = 1.0
    yi.backward(v)
    rows.append(xi.grad.clone())
J = torch.stack(rows)
w = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
(J @ w).sum().backward()
""",
    "a_later_leaf_after_rows_built_in_a_function": """import torch
def rows_of(func, point):
    rows = []
    for i in range(point.shape[0]):
        xi = point.clone().requires_grad_(True)
        yi = func(xi)
        v = torch.zeros_like(yi)
        v[i] = 1.0
        yi.backward(v)
        rows.append(xi.grad.clone())
    return torch.stack(rows)
def f(x):
    return torch.stack([x[0] * x[1], x[1] ** 2])
J = rows_of(f, torch.tensor([2.0, 3.0]))
print(J)
x2 = torch.tensor(2.0, requires_grad=True)
y2 = x2 ** 2
y2.backward()
""",
    "clones_between_accumulating_calls": """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
grads = []
(x * x).sum().backward()
grads.append(x.grad.clone())
(x * 3).sum().backward()
grads.append(x.grad.clone())
w = torch.tensor([1.0, 2.0], requires_grad=True)
(torch.stack(grads) * w).sum().backward()
""",
    "norms_per_step": """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
norms = []
for step in range(3):
    (x * x * step).sum().backward()
    norms.append(x.grad.norm().item())
    x.grad.zero_()
w = torch.tensor(1.0, requires_grad=True)
(w * norms[1] + norms[2]).backward()
""",
    "the_grad_itself_kept_and_printed": """import torch
rows = []
for i in range(2):
    xi = torch.tensor([1.0, 2.0], requires_grad=True)
    (xi * xi * (i + 1)).sum().backward()
    rows.append(xi.grad)
print(len(rows), rows)
x = torch.tensor(2.0, requires_grad=True)
(x ** 2).backward()
""",
}

# the list keeps x.grad itself; the second backward adds 3 to it in place
ALIAS_USED = """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
grads = []
(x * x).sum().backward()
grads.append(x.grad)
(x * 3).sum().backward()
w = torch.tensor([1.0, 1.0], requires_grad=True)
(grads[0] * w).sum().backward()
"""


reference, test_read_as_plain_torch_runs_it = agreement_tests(
    SNIPPETS, also={"alias_used": ALIAS_USED})


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    for name in SNIPPETS:
        result = reference[name]
        assert result["error"] is None, name
        assert result["grads"] and all(g is not None for g in result["grads"].values()), name
    # J = [[2, 1, 0], [0, 4, 1], [3, 0, 1]]; d/dw sum(J @ w) is J's column sums
    assert reference["jacobian_rows_stacked_then_used"]["grads"]["w"] == [5.0, 5.0, 2.0]
    assert reference["a_later_leaf_after_rows_built_in_a_function"]["grads"]["x2"] == 4.0
    # rows [2, 4] then [5, 7] (the second call adds 3 to each): d/dw is their column sums
    assert reference["clones_between_accumulating_calls"]["grads"]["w"] == [7.0, 11.0]
    # norms: 0, |2x| = sqrt(20), |4x| = sqrt(80)
    assert reference["norms_per_step"]["grads"]["w"] == pytest.approx(20 ** 0.5)


def test_the_later_leaf_is_in_the_document(reference: dict[str, dict[str, Any]]) -> None:
    """The rows used to be dropped (the append read as a print): torch.stack then raised
    and the snippet's later x2 was never read."""
    ours = engine_side(SNIPPETS["a_later_leaf_after_rows_built_in_a_function"])
    assert ours["error"] is None
    assert ours["grads"]["x2"] == 4.0


def test_computing_with_a_kept_grad_itself_is_refused_not_read_as_a_snapshot(
        reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference["alias_used"]
    # torch's grads[0] is x.grad after both calls ([2, 4] + [3, 3]), not the append's [2, 4]
    assert theirs["grads"]["w"] == [5.0, 7.0]
    message = engine_side(ALIAS_USED)["refused"]
    assert message.startswith("line 8, column 1: ")
    assert "uses a .grad in a later computation" in message
