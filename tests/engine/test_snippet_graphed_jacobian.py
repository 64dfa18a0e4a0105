"""`torch.autograd.functional.jacobian(f, x, create_graph=True)`: J that later ops and
backward differentiate again (a Jacobian penalty, a PINN's u_x and u_xx), each against plain
torch in a subprocess: J's numbers, then the .grad of a backward through J."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests

from engine.snippets.reader import ImportError_, import_snippet

SNIPPETS = {
    'jacobian_of_a_cube_then_backward_through_it': """import torch
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
def f(x):
    return x ** 3
J = torch.autograd.functional.jacobian(f, x, create_graph=True)
print(J)
loss = J.sum()
loss.backward()
print(x.grad)
""",
    'jacobian_penalty_of_a_net_at_an_input_without_grad': """import torch
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 2))
x = torch.randn(2)
J = torch.autograd.functional.jacobian(net, x, create_graph=True)
print(J.shape)
penalty = (J ** 2).sum()
penalty.backward()
print(net[0].weight.grad)
print(net[2].bias.grad)
""",
    'jacobian_by_a_tuple_and_of_an_output_that_ignores_x': """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = torch.tensor([3.0, 4.0], requires_grad=True)
c = torch.tensor([5.0, 6.0])
jx, jy = torch.autograd.functional.jacobian(lambda a, b: a * b + c, (x, y), create_graph=True)
print(jx, jy)
jz = torch.autograd.functional.jacobian(lambda a: c * 2, x, create_graph=True)
print(jz, jz.requires_grad)
(jx.sum() + (jy ** 2).sum() + jz.sum()).backward()
print(x.grad, y.grad)
""",
    'pinn_first_and_second_derivative_by_nested_jacobians': """import torch
import torch.nn as nn
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 2))
def u_x(t):
    return torch.autograd.functional.jacobian(net, t, create_graph=True)
t = torch.tensor([0.5], requires_grad=True)
u = net(t)
ut = u_x(t)
utt = torch.autograd.functional.jacobian(u_x, t, create_graph=True)
print(ut.shape, utt.shape)
loss = ((utt[0] + 9.8) ** 2).sum() + ((utt[1] + ut[1]) ** 2).sum() + (u ** 2).sum()
loss.backward()
print(t.grad)
print(net[0].weight.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    # d/dx of sum(diag(3x²)) = 6x: zero when J has no graph (the refusal's old answer)
    assert reference["jacobian_of_a_cube_then_backward_through_it"]["grads"]["x"] == \
        [6.0, 12.0, 18.0]
    grads = reference["jacobian_by_a_tuple_and_of_an_output_that_ignores_x"]["grads"]
    assert (grads["x"], grads["y"]) == ([2.0, 4.0], [1.0, 1.0])
    assert reference["jacobian_by_a_tuple_and_of_an_output_that_ignores_x"]["stdout"].endswith(
        "[0., 0.]]) False\ntensor([2., 4.]) tensor([1., 1.])\n")
    # the bias of the last layer adds a constant: J, and so the penalty, ignores it
    penalty = reference["jacobian_penalty_of_a_net_at_an_input_without_grad"]
    assert penalty["stdout"].endswith("\nNone\n")
    assert any(g is not None for g in penalty["every_leaf_grad"])
    assert reference["pinn_first_and_second_derivative_by_nested_jacobians"]["stdout"] \
        .startswith("torch.Size([2, 1]) torch.Size([2, 1, 1])")


def test_a_jacobian_kept_as_a_graph_has_a_row_limit() -> None:
    with pytest.raises(ImportError_, match=r"line 3, column 5: jacobian\(\.\.\., "
                       r"create_graph=True\) here has over the limit of 256 rows"):
        import_snippet("import torch\nx = torch.ones(300, requires_grad=True)\n"
                       "J = torch.autograd.functional.jacobian(lambda a: a * 2, x, "
                       "create_graph=True)\n")
