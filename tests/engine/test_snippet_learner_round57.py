"""Forms met in unseen learner code, each against plain torch in a subprocess: a step
written as x.requires_grad_(False), x -= 0.1 * x.grad, x.requires_grad_(True) (torch keeps
the same tensor and its .grad throughout, so the next backward adds to it), also chained on
one line as w.requires_grad_(False).add_(-lr * w.grad).requires_grad_(True); an editor's
stray `from pickletools import optimize`; a notebook's display lines that compute with
jacobian (`jacobian(f, x).shape`, `jacobian(f, x)[0] @ v + ...`): torch makes each call, and
so does the reading (as in a print), so the answers are torch's ten; hessian and jacobian of
a functools.partial of a def."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'a_step_taken_with_requires_grad_off': """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
(x * x).sum().backward()
x.requires_grad_(False)
step = 0.1 * x.grad
x -= step
x.requires_grad_(True)
(x ** 3).sum().backward()
print(x, x.grad)
""",
    'a_step_chained_through_requires_grad_toggles': """import torch
w = torch.tensor([99.995], requires_grad=True)
for i in range(3):
    loss = torch.pow(w, 2)
    loss.backward()
    w.requires_grad_(False).add_(-0.001 * w.grad).requires_grad_(True)
    w.grad.zero_()
print(w, w.grad)
""",
    'a_stray_editor_import': """import torch
from pickletools import optimize
x = torch.tensor([2.0], requires_grad=True)
(x ** 2).backward()
print(x.grad)
""",
    'jacobians_inside_display_lines_are_made': """import torch
from torch.autograd.functional import jvp
torch.manual_seed(42)

def f(x):
    return 2*x

x = torch.rand(2)
v = torch.tensor([1., 2.])
jvp(f, x, v)

x

torch.autograd.functional.jacobian(f, x)

def exp_reducer(x):
    return x.exp().sum(dim=1)
inputs = torch.rand(4, 4)
v = torch.ones(4, 4)
jvp(exp_reducer, inputs, v)

inputs.exp()

inputs.exp().sum(dim=1)

torch.autograd.functional.jacobian(exp_reducer, inputs)

torch.autograd.functional.jacobian(exp_reducer, inputs).shape

torch.autograd.functional.jacobian(exp_reducer, inputs)[0] @ torch.ones(4, 4) +\
torch.autograd.functional.jacobian(exp_reducer, inputs)[1] @ torch.ones(4, 4) +\
torch.autograd.functional.jacobian(exp_reducer, inputs)[2] @ torch.ones(4, 4) +\
torch.autograd.functional.jacobian(exp_reducer, inputs)[3] @ torch.ones(4, 4)

torch.matmul(torch.autograd.functional.jacobian(exp_reducer, inputs), v).sum(dim=1)

def adder(x, y):
    return 2 * x + 3 * y

inputs = (torch.rand(2), torch.rand(2))
v = (torch.tensor([1., 2.]), torch.tensor([2., 3.]))
inputs, v

jvp(adder, inputs, v)

torch.autograd.functional.jacobian(lambda x: 2*x, inputs[0]) @ v[0]

torch.autograd.functional.jacobian(lambda y: 3*y, inputs[1]) @ v[1]
""",
    'hessian_and_jacobian_of_a_partial': """import torch
from functools import partial
x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
def f_i(x, i):
    return (x * x * torch.arange(4, dtype=torch.float))[i]
def g(x, scale):
    return (x ** 3) * scale
print(torch.autograd.functional.hessian(partial(f_i, i=3), x))
J = torch.autograd.functional.jacobian(partial(g, scale=2.0), x)
print(J.diagonal())
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    # [2, 4] kept through the toggles, then 3x² of x = [0.8, 1.6] added
    assert reference["a_step_taken_with_requires_grad_off"]["grads"]["x"] == \
        [3.9200000762939453, 11.680000305175781]
    chained = reference["a_step_chained_through_requires_grad_toggles"]
    assert chained["grads"]["w"] == [0.0] and chained["stdout"].startswith("tensor([99.")
    assert reference["a_stray_editor_import"]["grads"]["x"] == [4.0]
    assert len(reference["jacobians_inside_display_lines_are_made"]["jacobians"]) == 10
    assert reference["hessian_and_jacobian_of_a_partial"]["stdout"].endswith(
        "tensor([ 6., 24., 54., 96.])\n")
