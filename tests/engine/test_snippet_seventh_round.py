"""Forms met in a seventh round of learner snippets, each read as plain torch runs it (in a
subprocess): an in-place method that changes a constant's shape (`images.resize_(64, 784)`
after a view of an MNIST batch, `m.unsqueeze_(0)`), torch.autograd.grad over a list of
tensors held by a name (`params`, `model.parameters()`); and the refusals that replace a
silent wrong answer or a wrong error, with why."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import engine_side

MODEL = """import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
x = torch.randn(4, 3)
w0 = model[0].weight
b2 = model[2].bias
"""

SNIPPETS = {
    # was: torch's broadcasting error of [64, 784] numbers into the old [64, 1, 28, 28]
    "resize_of_a_batch_before_the_model": """import torch
torch.manual_seed(0)
images = torch.rand(4, 1, 2, 2)
images.resize_(4, 4)
lin = torch.nn.Linear(4, 2)
out = lin(images).pow(2).sum()
out.backward()
w = lin.weight
""",
    "unsqueeze_and_t_of_a_constant": """import torch
w = torch.ones(3, 2, requires_grad=True)
m = torch.arange(3.)
m.unsqueeze_(0)
m.t_()
y = (w * m).pow(2).sum()
y.backward()
""",
    "resize_shrinks_a_constant": """import torch
w = torch.ones(2, requires_grad=True)
m = torch.arange(6.) + 1
m.resize_(2)
n = m
y = (w * n).pow(2).sum()
y.backward()
""",
    # was: the print's arguments skipped as a display, so x.grad stayed None
    "backward_inside_print": """import torch
x = torch.tensor([1., 2.], requires_grad=True)
y = (x * x).sum()
print(y.backward())
z = (x ** 3).sum()
print("z:", z.backward(), x.grad)
""",
    "second_backward_inside_print_raises": """import torch
x = torch.tensor([1., 2.], requires_grad=True)
y = (x * x).sum()
print("first:", y.backward())
print("second:", y.backward())
""",
}


reference, test_read_as_plain_torch_runs_it = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    """Not vacuous: the new shapes reach the gradients torch gave."""
    assert reference["resize_of_a_batch_before_the_model"]["error"] is None
    assert len(reference["resize_of_a_batch_before_the_model"]["grads"]["w"][0]) == 4
    # m is [[0.], [1.], [2.]] after unsqueeze_ and t_: row i of w.grad is 2 * i * i
    assert reference["unsqueeze_and_t_of_a_constant"]["grads"]["w"] == [
        [0.0, 0.0], [2.0, 2.0], [8.0, 8.0]]
    assert reference["resize_shrinks_a_constant"]["grads"]["w"] == [2.0, 8.0]
    assert reference["backward_inside_print"]["grads"]["x"] == [5.0, 16.0]
    assert "a second time" in reference["second_backward_inside_print_raises"]["error"]["message"]


def test_autograd_grad_inside_print_is_a_call() -> None:
    """`print(torch.autograd.grad(y, x))` was skipped as a display: no call, no answer."""
    code = ("import torch\nx = torch.tensor([1., 2.], requires_grad=True)\n"
            "y = (x * x * x).sum()\nprint(torch.autograd.grad(y, x, retain_graph=True)[0])\n"
            "print('dy/dx', torch.autograd.grad(y, x))\n")
    grads = [c for c in engine_side(code)["calls"] if c["kind"] == "grad"]
    x = torch.tensor([1., 2.], requires_grad=True)
    (want,) = torch.autograd.grad((x * x * x).sum(), x)
    assert [c["results"]["x"] for c in grads] == [want.tolist()] * 2


def test_two_backwards_deeper_inside_a_print_are_refused_not_skipped() -> None:
    """One is made, then printed as its None (test_snippet_learner_round59.py); of two in
    one argument, Python's order is not read."""
    code = ("import torch\nx = torch.tensor([1., 2.], requires_grad=True)\n"
            "y = (x * x).sum()\nprint(f\"{y.backward(retain_graph=True)} {y.backward()}\")\n")
    assert engine_side(code)["refused"] == (
        "line 4, column 42: y.backward() inside a print is read on a line of its own; write "
        "it before the print")


@pytest.mark.parametrize("inputs", ["params", "params[:2]", "list(model.parameters())",
                                    "model.parameters()", "tuple(params)"])
def test_autograd_grad_over_a_list_held_by_a_name(inputs: str) -> None:
    """Was refused ("a tensor is needed here, not list"); torch takes any sequence."""
    code = MODEL + (f"params = list(model.parameters())\nloss = model(x).sum()\n"
                    f"grads = torch.autograd.grad(loss, {inputs})\n")
    (call,) = engine_side(code)["calls"][:1]
    assert call["kind"] == "grad" and call["error"] is None, call
    torch.manual_seed(0)  # the same model, by plain torch
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    x = torch.randn(4, 3)
    params = list(model.parameters())
    want = torch.autograd.grad(model(x).sum(), params[:2] if inputs == "params[:2]" else params)
    got = list(call["results"].values())
    assert len(got) == len(want)
    for mine, theirs in zip(got, want, strict=True):
        assert torch.allclose(torch.tensor(mine), theirs, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(("body", "said"), [
    # set_to_none given as something else than True or False
    ("loss = model(x).sum()\nloss.backward()\nmodel.zero_grad(set_to_none=0)\n",
     "line 10, column 1: model.zero_grad(set_to_none=0) is outside the computation "
     "Gradflow reads: it is read with set_to_none=True or False only; write "
     "model.zero_grad()"),
    # torch's version counter decides then (the mul saved m): not read as a new tensor
    ("m = torch.ones(3)\na = (model(x).sum() * m).sum()\nm.unsqueeze_(0)\n",
     "line 10, column 1: the in-place .unsqueeze_() changes the shape of a tensor the graph "
     "already uses; write a new name, e.g. y = y.unsqueeze(...)"),
    ("m = torch.ones(4)\nv = m.view(2, 2)\nm.resize_(2, 2)\n",
     "the in-place .resize_() changes the shape of a tensor the graph already uses; write a "
     "new name, e.g. y = y.reshape(...)"),
])
def test_what_stays_refused_says_why(body: str, said: str) -> None:
    refused = engine_side(MODEL + body).get("refused", "")
    assert said in refused, refused


def test_the_zero_grad_refusal_replaces_a_wrong_answer() -> None:
    """torch's answer the app could not show: zeros, not None."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    model(torch.randn(4, 3)).sum().backward()
    model.zero_grad(set_to_none=False)
    grad = model[0].weight.grad
    assert grad is not None and torch.equal(grad, torch.zeros(2, 3))


def test_a_notebook_line_showing_an_autograd_grad_answer_makes_the_call() -> None:
    """`torch.autograd.grad(y, x)[0]` alone on a line was skipped as a display: no call."""
    code = ("import torch\nx = torch.tensor([1., 2.], requires_grad=True)\n"
            "y = (x * x * x).sum()\ntorch.autograd.grad(y, x, retain_graph=True)[0]\n")
    (call,) = [c for c in engine_side(code)["calls"] if c["kind"] == "grad"]
    x = torch.tensor([1., 2.], requires_grad=True)
    assert call["results"]["x"] == torch.autograd.grad((x * x * x).sum(), x)[0].tolist()


G = "import torch\nx = torch.tensor([1., 2.], requires_grad=True)\ny = (x * x).sum()\n"


@pytest.mark.parametrize(("line", "said"), [
    # skipped as display lines before: x.grad stayed None where torch had [2., 4.]
    ("[y.backward()]", "line 4, column 2: y.backward() inside an expression is read on a line "
                       "of its own; write it that way"),
    ("y.backward() if True else None", "line 4, column 1: y.backward() inside an expression"),
])
def test_gradients_inside_an_expression_are_refused_not_skipped(line: str, said: str) -> None:
    refused = engine_side(G + line + "\n").get("refused", "")
    assert said in refused, refused
