"""Writes into a plain tensor through a view made on the spot, read as plain torch runs
them (in a subprocess): the finite-difference gradient check (`x_p = x.detach().clone();
x_p.view(-1)[i] += eps; f(x_p)`), `a.reshape(3, 2)[1] = ...`, `a.flatten()[0] -= 2`; torch's
version counter after `a[0] += 1` (two in-place steps: "is at version 2"); and the writes
that stay refused because reading them would be wrong (through a view of another tensor,
or a value that carries a gradient)."""

from __future__ import annotations

from typing import Any

import pytest
from test_corpus import agrees, engine_side
from torch_reference import by_name

SNIPPETS = {
    "central_differences_against_autograd": """import torch
def f(x):
    return x[0] ** 2 * x[1] + torch.sin(x[2])
def numerical(func, x, eps=1e-3):
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        x_p, x_m = x.clone(), x.clone()
        x_p.view(-1)[i] += eps
        x_m.view(-1)[i] -= eps
        grad.view(-1)[i] = (func(x_p) - func(x_m)) / (2 * eps)
    return grad
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
f(x).backward()
approx = numerical(f, x.detach())
w = torch.tensor([1.0, -1.0, 0.5], requires_grad=True)
(w * approx).sum().backward()
""",
    "matrix_perturbed_through_a_flat_view": """import torch
x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
xp = x.detach().clone()
xp.view(-1)[3] += 0.5
w = torch.tensor(2.0, requires_grad=True)
(w * xp * xp).sum().backward()
(x * x).sum().backward()
""",
    "reshape_and_flatten_of_a_name_seen_by_another_name": """import torch
a = torch.zeros(2, 3)
b = a
a.reshape(3, 2)[1] = torch.tensor([5.0, 6.0])
a.flatten()[0] -= 2
a.view(3, 2)[2, 1] = 7.0
w = torch.ones(2, 3, requires_grad=True)
(w * b * b).sum().backward()
""",
}

# an op saved `a` for backward: torch counts the += on a[0] and the setting back
SAVED_THEN_WRITTEN = {
    "through_a_view": """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
a = torch.tensor([3.0, 4.0])
y = w * a
a.view(-1)[0] += 1
y.sum().backward()
""",
    "by_its_own_name": """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
a = torch.tensor([3.0, 4.0])
y = w * a
a[0] += 1
y.sum().backward()
""",
    "with_a_list_index_counted_once": """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
a = torch.tensor([3.0, 4.0])
y = w * a
a.view(-1)[[0, 1]] += 1
y.sum().backward()
""",
}

REFUSED = {
    # b is a view of a: torch changes a too
    "through_a_view_of_another_tensor": """import torch
a = torch.zeros(2, 3)
b = a[0]
b.view(-1)[0] += 1
w = torch.ones(2, 3, requires_grad=True)
(w * a).sum().backward()
""",
    "a_value_with_a_gradient": """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
a = torch.zeros(2)
a.view(-1)[0] = w[0]
(a * 2).sum().backward()
""",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name({**SNIPPETS, **SAVED_THEN_WRITTEN, **REFUSED})


@pytest.mark.parametrize("name", sorted(SNIPPETS) + sorted(SAVED_THEN_WRITTEN))
def test_read_as_plain_torch_runs_it(name: str, reference: dict[str, dict[str, Any]]) -> None:
    code = {**SNIPPETS, **SAVED_THEN_WRITTEN}[name]
    ours = engine_side(code)
    assert agrees(ours, reference[name]) is None, agrees(ours, reference[name])


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    for name in SNIPPETS:
        assert reference[name]["error"] is None, name
        assert all(g is not None for g in reference[name]["grads"].values()), name
    # d/dw of sum(w * approx): the central differences, close to [2x0x1, x0^2, cos x2]
    assert reference["central_differences_against_autograd"]["grads"]["w"] == pytest.approx(
        [4.0, 1.0, -0.98999], abs=1e-2)
    assert reference["central_differences_against_autograd"]["grads"]["x"] == pytest.approx(
        [4.0, 1.0, -0.98999], abs=1e-4)
    # 1 + 4 + 9 + 4.5^2, the last place perturbed
    assert reference["matrix_perturbed_through_a_flat_view"]["grads"]["w"] == 34.25
    # a = [[-2, 0, 5], [6, 0, 7]] seen through b: d/dw sum(w b b) = b^2
    assert reference["reshape_and_flatten_of_a_name_seen_by_another_name"]["grads"]["w"] == [
        [4.0, 0.0, 25.0], [36.0, 0.0, 49.0]]
    versions = {name: reference[name]["error"]["message"] for name in SAVED_THEN_WRITTEN}
    assert "is at version 2;" in versions["through_a_view"]
    assert "is at version 2;" in versions["by_its_own_name"]
    assert "is at version 1;" in versions["with_a_list_index_counted_once"]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_writes_that_would_be_read_wrong_stay_refused(
        name: str, reference: dict[str, dict[str, Any]]) -> None:
    assert reference[name]["error"] is None  # torch runs them: the refusal is the app's
    message = engine_side(REFUSED[name])["refused"]
    assert message.startswith("line 4, column 1: this in-place update changes a view")
