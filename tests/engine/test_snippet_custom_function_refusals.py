"""Custom torch.autograd.Function classes that are refused, each at the Function's call and
saying why: a backward that gives other numbers than autograd's derivative of the forward's
ops (a straight-through estimator, a wrong backward, one wrong only at a later training step),
a backward that raises (torch's words), and forms autograd would not give the same grads for.
Where torch runs such a snippet, the reference (plain torch in a subprocess) shows what it
gives instead."""

from __future__ import annotations

from typing import Any

import pytest
from test_corpus import engine_side
from test_snippet_custom_function import HEAD
from torch_reference import by_name

from engine.snippets.reader import ImportError_, import_snippet

STRAIGHT_THROUGH = HEAD + """
class RoundThrough(Function):
    @staticmethod
    def forward(ctx, t):
        return t.round()

    @staticmethod
    def backward(ctx, upstream):
        return upstream

z = torch.randn(4, requires_grad=True)
q = RoundThrough.apply(z * 3)
(q * q).sum().backward()
"""

WRONG_BACKWARD = HEAD + """
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
"""

RAISING_BACKWARD = HEAD + """
class Broken(Function):
    @staticmethod
    def forward(ctx, t):
        return t * 2

    @staticmethod
    def backward(ctx, upstream):
        return upstream.view(4) * 2

b = torch.ones(3, requires_grad=True)
Broken.apply(b).sum().backward()
"""


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name({"straight_through": STRAIGHT_THROUGH, "wrong_backward": WRONG_BACKWARD,
                    "raising_backward": RAISING_BACKWARD})


def test_a_straight_through_estimator_is_refused(
        reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference["straight_through"]
    # torch runs the snippet's backward: z.grad is 3 * 2q, not round's derivative (0)
    assert theirs["error"] is None and any(g != 0 for g in theirs["grads"]["z"])
    with pytest.raises(ImportError_) as raised:
        import_snippet(STRAIGHT_THROUGH, layout=False)
    message = str(raised.value)
    assert message.startswith("line 15, column 5: RoundThrough.backward returns something "
                              "other than the derivative of its forward: for the gradient "
                              "the backward call at line 16 sends to RoundThrough.apply, it "
                              "gives t "), message
    assert "where autograd's derivative of the forward's ops gives 0" in message
    assert "Gradflow shows autograd's own derivative" in message


def test_a_wrong_backward_is_refused_with_the_first_numbers_that_differ(
        reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference["wrong_backward"]
    assert theirs["grads"]["s"] == [1.0, 4.0, 1.0]  # what the snippet's backward says
    with pytest.raises(ImportError_) as raised:
        import_snippet(WRONG_BACKWARD, layout=False)
    # autograd's derivative of t ** 3 at 1 is 3; the snippet's backward gives 1
    assert ("it gives t 1 at [0] where autograd's derivative of the forward's ops gives 3 "
            "(3 of 3 numbers differ)") in str(raised.value)


def test_a_backward_that_raises_is_refused_with_torchs_words(
        reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference["raising_backward"]
    assert theirs["error"] is not None
    torch_says = theirs["error"]["message"]
    assert "shape '[4]' is invalid for input of size 3" in torch_says
    with pytest.raises(ImportError_) as raised:
        import_snippet(RAISING_BACKWARD, layout=False)
    assert str(raised.value) == (
        "line 12, column 16: Broken.backward raised when torch called it (at the backward "
        f"call of line 15): RuntimeError: {torch_says}")


@pytest.mark.parametrize(("body", "expected"), [
    ("class Reverse(Function):\n    @staticmethod\n    def forward(ctx, t, lam):\n"
     "        ctx.lam = lam\n        return t.view_as(t)\n    @staticmethod\n"
     "    def backward(ctx, g):\n        return g.neg() * ctx.lam, None\n"
     "x = torch.ones(2, requires_grad=True)\n(Reverse.apply(x, 0.5) * 3).sum().backward()\n",
     "Reverse.backward returns something other than the derivative of its forward: for the "
     "gradient the backward call at line 12 sends to Reverse.apply, it gives t -1.5 at [0] "
     "where autograd's derivative of the forward's ops gives 3 (2 of 2 numbers differ)"),
    ("class Flip(Function):\n    @staticmethod\n    def forward(ctx, t):\n"
     "        return t\n    @staticmethod\n    def backward(ctx, g):\n"
     "        return -g\nx = torch.ones(2, requires_grad=True)\n"
     "(Flip.apply(x) * 2).sum().backward()\n",
     "it gives t -2 at [0] where autograd's derivative of the forward's ops gives 2"),
    ("class Step(Function):\n    @staticmethod\n    def forward(ctx, t):\n"
     "        return (t > 0).float()\n    @staticmethod\n    def backward(ctx, g):\n"
     "        return g\nx = torch.ones(2, requires_grad=True)\n"
     "Step.apply(x).sum().backward()\n",
     "Step.forward returns a tensor with no gradient path from its inputs"),
    ("w = torch.ones(2, requires_grad=True)\nclass Uses(Function):\n    @staticmethod\n"
     "    def forward(ctx, t):\n        return t * w\n    @staticmethod\n"
     "    def backward(ctx, g):\n        return g * w\n"
     "x = torch.ones(2, requires_grad=True)\nUses.apply(x).sum().backward()\n",
     "Uses.forward uses w, a tensor that requires grad, without taking it as an input"),
    ("class Times(Function):\n    @staticmethod\n    def forward(ctx, t, k):\n"
     "        ctx.k = k\n        return t * k\n    @staticmethod\n"
     "    def backward(ctx, g):\n        return g * ctx.k\n"
     "x = torch.ones(2, requires_grad=True)\nTimes.apply(x, 2.0).sum().backward()\n",
     "RuntimeError: function TimesBackward returned an incorrect number of gradients "
     "(expected 2, got 1)"),
])
def test_what_autograd_would_not_give_is_refused(body: str, expected: str) -> None:
    with pytest.raises(ImportError_) as raised:
        import_snippet("import torch\nfrom torch.autograd import Function\n" + body,
                       layout=False)
    assert expected in str(raised.value), str(raised.value)


def test_torchs_own_count_message_is_the_one_quoted() -> None:
    import torch

    class Times(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, t: torch.Tensor, k: float) -> torch.Tensor:
            ctx.k = k
            return t * k

        @staticmethod
        def backward(ctx: Any, g: torch.Tensor) -> Any:
            return g * ctx.k

    with pytest.raises(RuntimeError) as raised:
        Times.apply(torch.ones(2, requires_grad=True), 2.0).sum().backward()
    assert str(raised.value) == ("function TimesBackward returned an incorrect number of "
                                 "gradients (expected 2, got 1)")


def test_a_function_without_forward_is_torchs_error_at_apply() -> None:
    ours = engine_side("import torch\nclass MyAdd(torch.autograd.Function):\n    pass\n"
                       "x = torch.ones(2, requires_grad=True)\ny = MyAdd.apply(x)\n")
    assert (ours["error"]["type"], ours["error"]["message"]) == (
        "NotImplementedError", "You must implement the forward function for custom "
        "autograd.Function."), ours


def test_a_wrong_backward_in_a_training_loop_is_refused_at_its_step() -> None:
    """The loop's second step is where the backward first differs: the check runs where
    the update reads .grad, on the gradient that step's backward call sent."""
    code = HEAD + """
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
"""
    with pytest.raises(ImportError_) as raised:
        import_snippet(code, layout=False)
    # step 1: p = [0.2, 0.3], 2p < 1 agrees; step 2: p = [0.4, 0.6], 2 * 0.6 is clipped
    assert str(raised.value).startswith(
        "line 18, column 12: Clipped.backward returns something other than the derivative "
        "of its forward: for the gradient the backward call at line 19 sends to "
        "Clipped.apply, it gives t 1 at [1] where autograd's derivative of the forward's "
        "ops gives 1.2 (1 of 2 numbers differ)"), str(raised.value)
