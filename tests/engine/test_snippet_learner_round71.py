"""Forms met in unseen learner code, each against plain torch in a subprocess (continued from
test_snippet_learner_round69.py): torch.autograd.grad of an earlier allow_unused answer that
holds None raises torch's own AssertionError at that line (pytorch issue 44189's third
derivative of a * x); a custom autograd.Function deriving from another of the snippet's
(pytorch issue 18619's Double2(Double)), with the forward it inherits and its own backward."""

from __future__ import annotations

from snippet_agreement import agreement_tests

SNIPPETS = {
    # https://github.com/pytorch/pytorch/issues/44189
    'third_derivative_of_an_unused_answer_raises_torchs_error': """import torch

def get_3rd_derx(a, x, func):
    y = func(a, x)
    dydx = torch.autograd.grad(y, x, create_graph=True)
    d2ydx2 = torch.autograd.grad(dydx, x, create_graph=True, allow_unused=True)
    d3ydx3 = torch.autograd.grad(d2ydx2, x, allow_unused=True)
    return d3ydx3

def func2(a, x):
    return torch.cos(a * x)

def func1(a, x):
    return a * x

dtype = torch.float64
a = torch.tensor(0.3, dtype=dtype).requires_grad_()
x = torch.tensor(1.0, dtype=dtype).requires_grad_()
d3func2 = get_3rd_derx(a, x, func2)
(d3func2[0] * a).backward()
d3func1 = get_3rd_derx(a, x, func1)
""",
    # https://github.com/pytorch/pytorch/issues/18619
    'function_deriving_from_a_function': """import torch


class Double(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x ** 2
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        x, _ = ctx.saved_tensors
        return grad_output * 2 * x


# this is equivalent, but uses the output of .forward() in .backward()
class Double2(Double):
    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        return grad_output * 2 * y / x


double = Double.apply
double2 = Double2.apply

x = torch.tensor(2).double().requires_grad_()

print(
    'gradcheck',
    torch.autograd.gradcheck(double, x),
    torch.autograd.gradgradcheck(double, x),
    torch.autograd.gradcheck(double2, x),
    torch.autograd.gradgradcheck(double2, x),
)

y = double(x)
torch.autograd.grad(y, x, create_graph=True)
torch.autograd.grad(y, x)
print('double() ok')

y = double2(x)
torch.autograd.grad(y, x, create_graph=True)
torch.autograd.grad(y, x)
print('double2() ok')

class Triple(Double):
    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        return grad_output * 3 * y / x

w = torch.tensor([1.5, -2.0], dtype=torch.float64, requires_grad=True)
(Triple.apply(w).sum() + Double2.apply(w).sum()).backward()
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)
