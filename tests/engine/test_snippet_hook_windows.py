"""Gradient hooks that act on some calls only, read as plain torch runs them (in a
subprocess): `h.remove()` between two calls (the calls before see the hook, the later ones
do not), a hook registered after a call (the earlier calls never see it), on a leaf and on
an intermediate tensor, with backward and torch.autograd.grad; and the code Gradflow writes
back for such a document runs to the same grads with plain torch."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import engine_side
from torch_reference import by_name

from engine.snippets.codegen import generate
from engine.snippets.reader import import_snippet

SNIPPETS = {
    "removed_then_a_new_loss_from_the_same_tensor": """import torch
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 2 + 1
h = y.register_hook(lambda grad: -grad)
loss = (y ** 2).sum()
loss.backward(retain_graph=True)
print(x.grad)
h.remove()
(y * 3).sum().backward()
""",
    "removed_then_another_graph": """import torch
import torch.nn as nn
torch.manual_seed(0)
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 2 + 1
h = y.register_hook(lambda g: g * 0.5)
(y ** 2).sum().backward()
h.remove()
h.remove()
layer = nn.Linear(3, 1)
weight = layer.weight
layer(torch.randn(2, 3)).sum().backward()
""",
    "registered_after_a_retained_call": """import torch
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 2 + 1
loss = (y ** 2).sum()
loss.backward(retain_graph=True)
h = y.register_hook(lambda g: -g)
loss.backward()
""",
    "registered_removed_registered_again": """import torch
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 2 + 1
h = y.register_hook(lambda g: g * 3)
loss = (y ** 2).sum()
loss.backward(retain_graph=True)
h.remove()
loss.backward(retain_graph=True)
h2 = y.register_hook(lambda g: -g)
loss.backward()
""",
    "hook_on_a_leaf_removed_between_calls": """import torch
w = torch.tensor([0.5, -1.0], requires_grad=True)
handle = w.register_hook(lambda g: g / 4)
out = (w * w * w).sum()
out.backward(retain_graph=True)
handle.remove()
out.backward()
""",
    "autograd_grad_after_the_remove": """import torch
x = torch.tensor([2.0, -1.0], requires_grad=True)
y = x.exp()
h = y.register_hook(lambda g: g * 10)
z = (y * y).sum()
z.backward(retain_graph=True)
h.remove()
g, = torch.autograd.grad(z, x)
print(g)
""",
    "freed_buffers_after_the_remove_still_raise": """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * x
h = y.register_hook(lambda g: g * 2)
s = (y * y).sum()
s.backward()
h.remove()
s.backward()
""",
}


reference, test_read_as_plain_torch_runs_it = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    for name, result in reference.items():
        assert result["grads"] and all(g is not None for g in result["grads"].values()), name
        assert (result["error"] is None) == (not name.startswith("freed")), name
    # d loss/dy = 2y = [6, 10, 14], dx = 2 * that, negated; then 3 * 2 without the hook
    assert reference["removed_then_a_new_loss_from_the_same_tensor"]["grads"]["x"] == [
        -6.0, -14.0, -22.0]
    # the later hook sees only the second call: +[12, 20, 28] - [12, 20, 28]
    assert reference["registered_after_a_retained_call"]["grads"]["x"] == [0.0, 0.0, 0.0]
    # 3 * [12, 20, 28] + [12, 20, 28] - [12, 20, 28]
    assert reference["registered_removed_registered_again"]["grads"]["x"] == [36.0, 60.0, 84.0]
    # 3 w^2 = [0.75, 3]: a quarter of it, then all of it
    assert reference["hook_on_a_leaf_removed_between_calls"]["grads"]["w"] == [0.9375, 3.75]
    assert "backward through the graph a second time" in \
        reference["freed_buffers_after_the_remove_still_raise"]["error"]["message"]


def test_the_answer_of_a_grad_call_after_the_remove_has_no_hook(
        reference: dict[str, dict[str, Any]]) -> None:
    name = "autograd_grad_after_the_remove"
    ours = engine_side(SNIPPETS[name])
    (answer,) = [c["results"] for c in ours["calls"] if c["kind"] == "grad"]
    assert list(answer.values()) == [pytest.approx(g) for g in reference[name]["grad_answers"][0]]
    # 2 y * y' = 2 e^(2x): unscaled, not ten times it
    assert reference[name]["grad_answers"][0][0] == pytest.approx(
        [2 * 2.718281828 ** 4, 2 * 2.718281828 ** -2], rel=1e-6)


@pytest.mark.parametrize("name", ["registered_removed_registered_again",
                                  "hook_on_a_leaf_removed_between_calls",
                                  "registered_after_a_retained_call"])
def test_the_code_written_back_registers_and_removes_where_the_script_did(
        name: str, reference: dict[str, dict[str, Any]]) -> None:
    code = generate(import_snippet(SNIPPETS[name], layout=False))
    assert ".register_hook(" in code
    theirs = by_name({"written": code})["written"]
    assert theirs["error"] is None
    assert theirs["grads"] == reference[name]["grads"]
