"""Computing with what torch.autograd.functional and torch.func returned, each against plain
torch in a subprocess: a Jacobian built row by row from vjp answers, Newton's method with the
jacobian and hessian of f, a jacobian used as a constant of a later graph, per-sample
gradients of vmap(grad(f)) computed with. torch returns these answers without a graph
(torch.func's, when nothing f computes with requires grad), so they are the numbers the run
of the calls so far gives. A torch.func answer whose inputs require grad carries their graph
in torch, which is refused where a graph would use it."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    'rows_of_a_jacobian_from_vjp_answers': """import torch
torch.manual_seed(0)
def f(x):
    return torch.stack([x[:, 0] * x[:, 1], torch.sin(x[:, 0]), x[:, 1] ** 2], dim=1)
N = 4
x = (2 * torch.rand(N, 2) - 1).requires_grad_()
y = f(x)
Js = torch.zeros(N, 3, 2)
for k in range(3):
    v = torch.zeros_like(y)
    v[:, k] = 1.0
    _, grad_x = torch.autograd.functional.vjp(f, x, v=v)
    Js[:, k, :] = grad_x
print(Js)
w = torch.ones(2, requires_grad=True)
loss = (Js @ w).sum()
loss.backward()
print(w.grad)
""",
    'newtons_method_with_jacobian_and_hessian': """import torch
from torch.autograd.functional import jacobian, hessian
def f(x):
    return (x[0] - 1) ** 4 + (x[1] + 2) ** 2 + x[0] * x[1]
x = torch.tensor([0.5, 0.5])
for i in range(3):
    g = jacobian(f, x)
    H = hessian(f, x)
    x = x - torch.linalg.solve(H, g)
    print(i, x, f(x))
w = x.clone().requires_grad_(True)
f(w).backward()
print(w.grad)
""",
    'a_jacobian_as_a_constant_of_a_new_graph': """import torch
from torch.autograd.functional import jacobian
x = torch.tensor([1.0, 2.0, 3.0])
J = jacobian(lambda t: torch.stack([t.prod(), (t ** 2).sum()]), x)
print(J.shape, torch.squeeze(J))
w = torch.tensor([0.5, -1.0], requires_grad=True)
out = (w @ J).pow(2).sum()
out.backward()
print(w.grad)
""",
    'per_sample_gradients_computed_with': """import torch
from torch.func import grad, vmap
def f(p, x):
    return torch.tanh(x @ p).sum()
p = torch.tensor([0.3, -0.2])
xs = torch.tensor([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]])
per_sample = vmap(grad(f), in_dims=(None, 0))(p, xs)
norms = per_sample.norm(dim=1)
print(norms)
scale = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
(scale * norms).sum().backward()
print(scale.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_with_the_answers(
        reference: dict[str, dict[str, Any]]) -> None:
    # w @ J = [1, -2.5, -5] with J's rows [6, 3, 2] and [2, 4, 6]
    assert reference["a_jacobian_as_a_constant_of_a_new_graph"]["grads"]["w"] == [-23.0, -76.0]
    newton = reference["newtons_method_with_jacobian_and_hessian"]["grads"]["w"]
    assert max(abs(g) for g in newton) < 1.0  # from [0.0, 5.5] at the start: the steps moved x
    assert reference["rows_of_a_jacobian_from_vjp_answers"]["error"] is None


def test_a_transform_answer_with_its_inputs_graph_is_refused_where_a_graph_uses_it() -> None:
    refused = engine_side("import torch\nfrom torch.func import grad\n"
                          "x = torch.ones(2, requires_grad=True)\n"
                          "g = grad(lambda t: (t ** 3).sum())(x)\nn = g.norm()\n"
                          "(x * g).sum().backward()\n")["refused"]
    assert refused.startswith("line 6, column 1")
    assert "torch.func.grad returned carries a graph of its inputs" in refused
