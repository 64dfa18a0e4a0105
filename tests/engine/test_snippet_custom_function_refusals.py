"""Custom torch.autograd.Function classes that are refused, each at the Function's call and
saying why: a backward that gives other numbers than autograd's derivative of the forward's
ops and cannot be read as an expression of the gradient (the refusal names the construct
and its line), and forms autograd would not give the
same grads for. Where torch runs such a snippet, the reference (plain torch in a subprocess)
shows what it gives instead. A backward that raises is torch's run-time error at the backward
call. (Backwards read as expressions: test_snippet_custom_backwards.)"""

from __future__ import annotations

from typing import Any

import pytest
from test_corpus import agrees, engine_side
from test_snippet_custom_function import HEAD
from torch_reference import by_name

from engine.snippets.reader import ImportError_, TorchRaised, import_snippet

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


UNREAD = HEAD + """
class Masked(Function):
    @staticmethod
    def forward(ctx, t):
        return t.round()

    @staticmethod
    def backward(ctx, upstream):
        out = upstream.clone()
        out[0] = 0
        return out

m = torch.tensor([0.4, 1.6, -2.2], requires_grad=True)
(Masked.apply(m) * 2).sum().backward()
"""


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name({"raising_backward": RAISING_BACKWARD, "unread": UNREAD})


def test_a_backward_that_raises_stops_the_script_at_its_call_with_torchs_words(
        reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference["raising_backward"]
    assert theirs["error"] is not None
    torch_says = theirs["error"]["message"]
    assert "shape '[4]' is invalid for input of size 3" in torch_says
    with pytest.raises(TorchRaised) as raised:  # a run-time error, as python gives it
        import_snippet(RAISING_BACKWARD, layout=False)
    assert (raised.value.line, raised.value.error_type, raised.value.torch_message) == (
        15, theirs["error"]["type"], torch_says)  # out of the backward call, line 15
    assert agrees(engine_side(RAISING_BACKWARD), theirs) is None


@pytest.mark.parametrize(("body", "expected"), [
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


def test_a_backward_not_read_as_an_expression_is_refused_naming_what_and_where(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["unread"]["grads"]["m"] == [0.0, 2.0, 2.0]  # what torch gives
    with pytest.raises(ImportError_) as raised:
        import_snippet(UNREAD, layout=False)
    message = str(raised.value)
    assert "Masked.backward returns something other than the derivative" in message
    assert ("Its backward was not read as an expression of the gradient, which Gradflow "
            "would apply as torch does: Masked.backward assigns `out[0] = 0`: only names are "
            "assigned in a gradient expression's lines (and a number written where a mask "
            "picks, `grad_x[x < 0] = 0`, into a copy) (line 13)") in message, message


@pytest.mark.parametrize(("line", "named"), [
    ("return upstream.cumsum(0)", ".cumsum() (not among the torch operations"),
    ("return torch.linalg.norm(upstream) * upstream", "calls torch.linalg.norm"),
    ("return upstream if ctx.flag else -upstream", "ifexp"),
])
def test_what_the_whitelist_does_not_hold_is_named(line: str, named: str) -> None:
    code = HEAD + f"""
class Odd(Function):
    @staticmethod
    def forward(ctx, t):
        ctx.flag = True
        return t.round()

    @staticmethod
    def backward(ctx, upstream):
        {line}

m = torch.tensor([0.4, 1.6, -2.2], requires_grad=True)
(Odd.apply(m) * 2).sum().backward()
"""
    with pytest.raises(ImportError_) as raised:
        import_snippet(code, layout=False)
    assert named in str(raised.value), str(raised.value)
    assert "(line 13)" in str(raised.value)
