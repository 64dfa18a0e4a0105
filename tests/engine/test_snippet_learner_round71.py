"""Forms met in unseen learner code, each against plain torch in a subprocess (continued from
test_snippet_learner_round69.py): torch.autograd.grad of an earlier allow_unused answer that
holds None raises torch's own AssertionError at that line (pytorch issue 44189's third
derivative of a * x)."""

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
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)
