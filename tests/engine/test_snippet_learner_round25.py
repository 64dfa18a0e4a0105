"""Forms met in a round of unseen learner code, each against plain torch in a subprocess: a
custom Function whose forward fills `torch.empty_like(input)` through masks (new memory with
no graph: the *_like functions never carry a gradient), and what
torch.autograd.functional.jacobian returned passed straight into a torch function
(`torch.squeeze(jacobian(f, x))`), which reached torch as Gradflow's own placeholder and
raised a TypeError naming it."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'a_function_filling_empty_like_through_masks': """import torch

class Sigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        out = torch.empty_like(input)
        positive = input >= 0
        out[positive] = 1. / (1. + torch.exp(-input[positive]))
        out[~positive] = torch.exp(input[~positive]) / (1. + torch.exp(input[~positive]))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result * (1 - result)

x = torch.tensor([-3.0, -0.5, 0.0, 2.0], requires_grad=True)
y = Sigmoid.apply(x)
(y * torch.arange(1.0, 5.0)).sum().backward()
print(x.grad, torch.autograd.gradcheck(Sigmoid.apply, (x.double().detach().requires_grad_(),)))
""",
    'a_jacobian_squeezed_and_printed': """import torch
x = torch.tensor([[2.0, 3.0]], requires_grad=True)
def func(x):
    y = torch.zeros(1, 2)
    y[0, 0] = x[0, 0] ** 2 + 3 * x[0, 1]
    y[0, 1] = x[0, 1] ** 2 + 2 * x[0, 0]
    return y
y = func(x)
y.backward(gradient=torch.ones_like(y))
J = torch.squeeze(torch.autograd.functional.jacobian(func, x))
print(J, x.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    sigmoid = reference["a_function_filling_empty_like_through_masks"]
    assert sigmoid["error"] is None and sigmoid["stdout"].rstrip().endswith("True")
    # d/dx of x0² + 3 x1 and x1² + 2 x0, summed: (2·2 + 2, 3 + 2·3)
    assert reference["a_jacobian_squeezed_and_printed"]["grads"]["x"] == [[6.0, 9.0]]
