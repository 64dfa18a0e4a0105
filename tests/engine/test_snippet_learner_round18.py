"""Forms met in a round of unseen learner code, each against plain torch in a subprocess:
a hook registered on a leaf whose name is bound again later (the last binding keeps the
name, as `w.grad` reads it), the tutorial's MyReLU backward writing 0 where a mask picks
(`grad_input[input < 0] = 0`) applied as torch applies it even where the numbers are nan,
gradcheck of a custom Function's apply, and autograd.grad of several outputs with
create_graph=True, grad_outputs written `[v] * n` and an input given more than once."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import engine_side

_MY_RELU = """import torch

class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        grad_x = grad_output.clone()
        grad_x[x < 0] = 0
        return grad_x

"""

SNIPPETS = {
    'hooked_leaf_made_again_under_its_name': """import torch

def keep(grad):
    seen.append(grad)

w = torch.tensor([1.], requires_grad=True)
x = torch.tensor([2.], requires_grad=True)
y = (w + x) * (w + 1)
seen = []
h = (w + x).register_hook(keep)
y.backward()
h.remove()

def triple(grad):
    return grad * 3

w = torch.tensor([1.], requires_grad=True)
x = torch.tensor([2.], requires_grad=True)
y = (w + x) * (w + 1)
h = w.register_hook(triple)
y.backward()
h.remove()
print(w.grad, x.grad)
""",
    'my_relu_training_goes_to_nan_as_torch_does': _MY_RELU + """torch.manual_seed(0)
x = torch.randn(8, 20)
y = torch.randn(8, 3)
w1 = torch.randn(20, 16, requires_grad=True)
w2 = torch.randn(16, 3, requires_grad=True)
for t in range(12):
    if w1.grad is not None:
        w1.grad.zero_()
        w2.grad.zero_()
    loss = (MyReLU.apply(x.mm(w1)).mm(w2) - y).pow(2).sum()
    print(t, loss.item())
    loss.backward()
    with torch.no_grad():
        w1 -= 0.5 * w1.grad
        w2 -= 0.5 * w2.grad
""",
    'my_relu_with_a_mask_of_two_comparisons': """import torch

class Window(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        out = g * 2
        out[(x < -1) | (x > 1)] = -0.5
        return out

x = torch.linspace(-2, 2, 7, requires_grad=True)
Window.apply(x).backward(torch.arange(7.0))
print(x.grad)
""",
    'gradcheck_of_a_functions_apply': """import torch
from torch.autograd import gradcheck

class MyMul(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return grad_output * 2 * a * b, grad_output * a * a

torch.manual_seed(0)
a = torch.randn(3, 3, dtype=torch.double, requires_grad=True)
b = torch.randn(3, 3, dtype=torch.double, requires_grad=True)
print(gradcheck(MyMul.apply, (a, b), eps=1e-6, atol=1e-4))
MyMul.apply(a, b).sum().backward()
""",
    'gradcheck_catches_a_wrong_backward': """import torch
from torch.autograd import gradcheck

class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * x

x = torch.tensor([0.5, -1.5, 2.0], dtype=torch.double, requires_grad=True)
print(gradcheck(Square.apply, (x,), raise_exception=False))
gradcheck(Square.apply, (x,))
""",
    'several_outputs_with_create_graph': """import torch
q = torch.tensor([1.0, 2.0], requires_grad=True)
x = torch.cat([2 * q, 4 * q * q])
outs = [x[i:i + 1] for i in range(4)]
g, = torch.autograd.grad(outs, [q], grad_outputs=[torch.ones(1)] * 4, create_graph=True)
(g * g).sum().backward()
print(g, q.grad)
""",
    'one_input_asked_for_twice': """import torch
q = torch.tensor([1.0, 2.0], requires_grad=True)
x = torch.cat([2 * q, 4 * q * q])
first, second = torch.autograd.grad([x[0:1], x[3:4]], [q, q],
                                    grad_outputs=[torch.ones(1)] + [torch.full((1,), 2.0)])
print(first, second)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["hooked_leaf_made_again_under_its_name"]["grads"]["w"] == [15.0]
    assert reference["gradcheck_catches_a_wrong_backward"]["error"]["type"] == \
        "GradcheckError"
    assert reference["one_input_asked_for_twice"]["grad_answers"] == [
        [[2.0, 32.0], [2.0, 32.0]]]
    relu = reference["my_relu_training_goes_to_nan_as_torch_does"]["grads"]
    # nan, where the tutorial's loop went too: the backward is applied at nan inputs
    assert any(str(v).lower() == "nan" for row in relu["w1"] for v in row)


def test_the_mask_write_is_applied_where_autograds_derivative_differs() -> None:
    """At a nan input the tutorial's backward keeps the gradient (nan < 0 is False) where
    clamp's own derivative gives 0: torch runs the Function's backward, so Gradflow does."""

    class MyReLU(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
            ctx.save_for_backward(x)
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx: Any, grad_output: torch.Tensor) -> torch.Tensor:
            x, = ctx.saved_tensors
            grad_x = grad_output.clone()
            grad_x[x < 0] = 0
            return grad_x

    x = torch.tensor([-1.0, float("nan"), 2.0], requires_grad=True)
    MyReLU.apply(x).mul(torch.tensor([3.0, 4.0, 5.0])).sum().backward()
    plain = torch.tensor([-1.0, float("nan"), 2.0], requires_grad=True)
    plain.clamp(min=0).mul(torch.tensor([3.0, 4.0, 5.0])).sum().backward()
    assert x.grad.tolist() == [0.0, 4.0, 5.0] != plain.grad.tolist()  # type: ignore[union-attr]
    ours = engine_side(_MY_RELU + """x = torch.tensor([-1.0, float('nan'), 2.0], requires_grad=True)
MyReLU.apply(x).mul(torch.tensor([3.0, 4.0, 5.0])).sum().backward()
""")
    assert ours["error"] is None and ours["grads"]["x"] == x.grad.tolist()  # type: ignore[union-attr]


@pytest.mark.parametrize("backward", [
    "        grad_output[x < 0] = 0\n        return grad_output\n",
    "        out = grad_output.clone()\n        out[0] = 0\n        return out\n"])
def test_writes_that_are_not_a_mask_into_a_copy_stay_unread(backward: str) -> None:
    ours = engine_side(f"""import torch

class Clip(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 3

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
{backward}
x = torch.tensor([-1.0, 2.0], requires_grad=True)
Clip.apply(x).sum().backward()
""")
    assert "only names are assigned in a gradient expression's lines" in ours["refused"]
