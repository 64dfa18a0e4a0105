"""Custom torch.autograd.Function classes whose backward is not their forward's derivative,
read as torch runs them (plain torch in a subprocess): a straight-through estimator for
round, sign and a quantizer, a gradient reversal layer, a clipped backward using the saved
input, one wrong only at a later training step, across two backward calls and through
torch.autograd.grad; the document saved and loaded and the code written back give the same
numbers; the forward's ops get no gradient; a second backward through freed saved tensors
raises as torch raises."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import close, engine_side
from test_snippet_custom_function import HEAD
from torch_reference import by_name

from engine import fileformat
from engine.cli import report
from engine.explain import explain
from engine.run import run
from engine.snippets.codegen import generate
from engine.snippets.reader import import_snippet

ROUND_STE = """
class RoundThrough(Function):
    @staticmethod
    def forward(ctx, t):
        return t.round()

    @staticmethod
    def backward(ctx, upstream):
        return upstream
"""

REVERSAL = """
class GradReverse(Function):
    @staticmethod
    def forward(ctx, x, alpha):
        ctx.alpha = alpha
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        return -ctx.alpha * grad_output, None
"""

CLIPPED = """
class HardTanhThrough(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.sign(x)

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        grad = grad_output * (x.abs() <= 1)
        return grad.clamp(-0.5, 0.5)
"""

SNIPPETS = {
    "round_straight_through": HEAD + ROUND_STE + """
z = torch.randn(4, requires_grad=True)
q = RoundThrough.apply(z * 3)
(q * q).sum().backward()
""",
    "sign_with_a_clipped_backward_of_the_saved_input": HEAD + CLIPPED + """
w = torch.tensor([0.3, -1.7, 0.9, -0.2], requires_grad=True)
s = HardTanhThrough.apply(w * 2)
(s * torch.tensor([1.0, 2.0, -3.0, 0.5])).sum().backward()
""",
    "quantizer_through_a_layer": HEAD + """
import torch.nn as nn
class Quantize(Function):
    @staticmethod
    def forward(ctx, x, levels):
        return torch.round(x * levels) / levels

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, None

layer = nn.Linear(3, 2)
x = torch.randn(5, 3)
h = Quantize.apply(layer(x), 4)
h.pow(2).mean().backward()
""",
    "gradient_reversal": HEAD + REVERSAL + """
x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
feat = x * x
rev = GradReverse.apply(feat, 0.25)
(rev * 3 + feat).sum().backward()
""",
    "reversal_across_two_calls": HEAD + REVERSAL + """
x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
rev = GradReverse.apply(x.exp(), 2.0)
loss = (rev ** 2).sum()
loss.backward(retain_graph=True)
loss.backward()
""",
    "reversal_through_autograd_grad": HEAD + REVERSAL + """
x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
rev = GradReverse.apply(x.sin(), 1.5)
g, = torch.autograd.grad((rev * rev).sum(), x)
print(g)
""",
    "wrong_cube_backward": HEAD + """
class Cube(Function):
    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        return t ** 3

    @staticmethod
    def backward(ctx, upstream):
        t, = ctx.saved_tensors
        return upstream * t ** 2

s = torch.tensor([1.0, 2.0, -1.0], requires_grad=True)
Cube.apply(s).sum().backward()
""",
    "clipped_in_a_training_loop": HEAD + """
class Clipped(Function):
    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        return t * t

    @staticmethod
    def backward(ctx, upstream):
        t, = ctx.saved_tensors
        return (2 * t * upstream).clamp(max=1.0)

p = torch.tensor([0.2, 0.3], requires_grad=True)
for step in range(3):
    loss = Clipped.apply(p).sum()
    loss.backward()
    with torch.no_grad():
        p += 0.5 * p.grad
        p.grad.zero_()
""",
    "saved_tensors_freed_by_the_first_call": HEAD + CLIPPED + """
w = torch.tensor([0.3, -1.7, 0.9], requires_grad=True)
loss = HardTanhThrough.apply(w * 2).sum()
loss.backward()
loss.backward()
""",
}

reference, test_read_as_plain_torch_runs_it = agreement_tests(SNIPPETS)


def test_the_reference_computes_the_snippets_own_backward(reference: dict[str, Any]) -> None:
    # round's derivative is 0; the straight-through backward passes 2q on: z.grad = 3 * 2q
    assert any(g != 0 for g in reference["round_straight_through"]["grads"]["z"])
    # x * 2 = [0.6, -3.4, 1.8, -0.4]: |.| <= 1 at 0 and 3; seeds [1, 2, -3, 0.5] clipped
    assert reference["sign_with_a_clipped_backward_of_the_saved_input"]["grads"]["w"] == [
        1.0, 0.0, 0.0, 1.0]
    # feat's gradient: 1 from the sum, -0.25 * 3 reversed: 0.25 * 2x
    assert reference["gradient_reversal"]["grads"]["x"] == [0.25, -0.5, 1.0]
    assert reference["wrong_cube_backward"]["grads"]["s"] == [1.0, 4.0, 1.0]
    assert "backward through the graph a second time" in \
        reference["saved_tensors_freed_by_the_first_call"]["error"]["message"]


def test_the_forward_ops_get_no_gradient_and_explain_says_whose_backward_runs() -> None:
    doc = import_snippet(SNIPPETS["gradient_reversal"], layout=False)
    (node,) = [n for n in doc.nodes() if n.op == "custom_backward"]
    assert node.params["gradient"] == "-0.25 * g"
    result = run(doc)
    texts = [line.text for line in explain(doc, result, node.id)]
    assert "  = -0.25 * grad_out" in texts
    assert any("torch calls the Function's own backward" in t for t in texts)
    assert "GradReverse.apply was read as its forward's torch ops, and torch calls its own " \
           "backward, which is not their derivative: it gives x the gradient -0.25 * g" \
           in doc.description


def test_the_saved_input_is_read_by_name() -> None:
    doc = import_snippet(SNIPPETS["sign_with_a_clipped_backward_of_the_saved_input"],
                         layout=False)
    (node,) = [n for n in doc.nodes() if n.op == "custom_backward"]
    assert node.params["gradient"] == "(g * (input.abs() <= 1)).clamp(-0.5, 0.5)"


def test_a_backward_that_is_the_derivative_keeps_the_forward_ops_checked() -> None:
    code = HEAD + """
class Square(Function):
    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        return t * t

    @staticmethod
    def backward(ctx, upstream):
        t, = ctx.saved_tensors
        return 2 * t * upstream

a = torch.tensor([1.0, -3.0], requires_grad=True)
Square.apply(a).sum().backward()
"""
    doc = import_snippet(code, layout=False)
    assert not [n for n in doc.nodes() if n.op == "custom_backward"]
    assert "its backward gives the same numbers as autograd's derivative" in doc.description


@pytest.mark.parametrize("name", ["round_straight_through", "gradient_reversal",
                                  "sign_with_a_clipped_backward_of_the_saved_input",
                                  "reversal_across_two_calls"])
def test_saved_loaded_and_written_back_give_torchs_numbers(
        name: str, reference: dict[str, Any]) -> None:
    doc = import_snippet(SNIPPETS[name], layout=False)
    loaded = fileformat.loads(fileformat.dumps(doc))
    ours = report(loaded, run(loaded))["grads"]
    assert close(ours, reference[name]["grads"]), (ours, reference[name]["grads"])
    code = generate(doc)
    assert "(torch.autograd.Function)" in code
    theirs = by_name({"written": code})["written"]
    assert theirs["error"] is None
    assert close(theirs["grads"], reference[name]["grads"]), (theirs, reference[name])
    again = engine_side(code)  # and the written code reads back to the same numbers
    assert close(again["grads"], reference[name]["grads"]), again
