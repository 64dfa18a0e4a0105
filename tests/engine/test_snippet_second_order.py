"""Gradients that keep a graph of their own (create_graph=True), read into the graph as
engine/grad_op.py nodes, against plain torch running the same snippet in a subprocess: a
second and third derivative, a Hessian-vector product, a gradient penalty, a physics-informed
residual, Newton's method, `y.backward(create_graph=True)` then `x.grad.backward()`, and
torch's own errors (a gradient of a linear function has no graph; an input the output never
used)."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    "backward_then_its_grad_backward": """import torch
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
y.backward(create_graph=True)
g = x.grad
print(g)
x.grad.backward()
print(x.grad)
""",
    "gradient_penalty_of_a_model": """import torch
import torch.nn as nn
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
inp = torch.randn(5, 3, requires_grad=True)
out = net(inp)
grad = torch.autograd.grad(outputs=out, inputs=inp, grad_outputs=torch.ones_like(out),
                           create_graph=True)[0]
gp = ((grad.norm(2, dim=1) - 1) ** 2).mean()
loss = out.mean() + 10 * gp
loss.backward()
print(net[0].weight.grad, inp.grad)
""",
    "newton_steps_with_first_and_second_derivative": """import torch
x = torch.tensor(1.5, requires_grad=True)
for i in range(4):
    y = x ** 3 - 2 * x - 5
    g, = torch.autograd.grad(y, x, create_graph=True)
    h, = torch.autograd.grad(g, x)
    with torch.no_grad():
        x -= y / g
    print(i, x.item(), h.item())
""",
    "hessian_vector_product_by_double_backward": """import torch
torch.manual_seed(0)
w = torch.randn(3, requires_grad=True)
A = torch.randn(3, 3)
loss = (w @ A @ w).sin() + (w ** 4).sum()
g = torch.autograd.grad(loss, w, create_graph=True)[0]
v = torch.tensor([1.0, 0.5, -2.0])
hv = torch.autograd.grad(g, w, grad_outputs=v)[0]
print(hv)
""",
    "third_derivative_in_a_loop": """import torch
x = torch.tensor([0.5, 1.0], requires_grad=True)
f = torch.sin(x) * torch.exp(x)
g = f
for k in range(3):
    g = torch.autograd.grad(g.sum(), x, create_graph=True)[0]
    print(k + 1, g)
g.sum().backward()
print(x.grad)
""",
    "gradient_of_a_linear_function_has_no_graph": """import torch
x = torch.tensor(2.0, requires_grad=True)
y = 3 * x
g = torch.autograd.grad(y, x, create_graph=True)[0]
print(g)
h = torch.autograd.grad(g, x)[0]
print(h)
""",
    "input_the_output_never_used": """import torch
x = torch.tensor(2.0, requires_grad=True)
z = torch.tensor(1.0, requires_grad=True)
y = x ** 2
g = torch.autograd.grad(y, z, create_graph=True)[0]
""",
    "vector_output_with_ones_seed": """import torch
x = torch.linspace(-1, 1, 5, requires_grad=True)
y = torch.tanh(x)
dy = torch.autograd.grad(y, x, grad_outputs=torch.ones_like(y), create_graph=True)[0]
d2y = torch.autograd.grad(dy, x, grad_outputs=torch.ones_like(dy))[0]
print(dy, d2y)
""",
    "mixed_partial_then_a_freed_graph": """import torch
a = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(2.0, requires_grad=True)
f = a ** 2 * b ** 3
da, db = torch.autograd.grad(f, (a, b), create_graph=True)
mixed = torch.autograd.grad(da, b)[0]
(da + db).backward()
print(mixed, a.grad, b.grad)
""",
    "mixed_partial_with_the_graph_kept": """import torch
a = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(2.0, requires_grad=True)
f = a ** 2 * b ** 3
da, db = torch.autograd.grad(f, (a, b), create_graph=True)
mixed = torch.autograd.grad(da, b, retain_graph=True)[0]
(da + db).backward()
print(mixed, a.grad, b.grad)
""",
    "graphed_grad_added_to_the_grad_held": """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x ** 3).sum()
y.backward(retain_graph=True)
y.backward(create_graph=True)
print(x.grad)
s = x.grad.sum()
x.grad = None
s.backward()
print(x.grad)
""",
    "physics_informed_residual": """import torch
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
t = torch.linspace(0, 1, 6).reshape(-1, 1).requires_grad_(True)
u = net(t)
u_t = torch.autograd.grad(u, t, torch.ones_like(u), create_graph=True)[0]
u_tt = torch.autograd.grad(u_t, t, torch.ones_like(u_t), create_graph=True)[0]
residual = u_tt + u
loss = (residual ** 2).mean()
loss.backward()
print(loss.item(), net[0].weight.grad)
""",
}


reference, test_read_as_plain_torch_runs_it = agreement_tests(SNIPPETS)


def test_the_reference_really_differentiates_twice(reference: dict[str, dict[str, Any]]) -> None:
    """d²(x³)/dx² = 6x = 12 at 2, and x.grad = 12 + 12 after x.grad.backward(): the
    comparison above is against these numbers, not against nothing."""
    assert reference["backward_then_its_grad_backward"]["grads"]["x"] == pytest.approx(24.0)
    errors = {n: r["error"] for n, r in reference.items() if r["error"] is not None}
    assert set(errors) == {"gradient_of_a_linear_function_has_no_graph",
                           "input_the_output_never_used", "mixed_partial_then_a_freed_graph"}
    # ∂f/∂a = 2ab³, ∂f/∂b = 3a²b²: (da + db).backward() gives a 2b³ + 6ab² and b 6ab² + 6a²b
    assert reference["mixed_partial_with_the_graph_kept"]["grads"] == {
        "a": pytest.approx(16.0 + 24.0), "b": pytest.approx(24.0 + 12.0)}
    assert "does not require grad" in errors["gradient_of_a_linear_function_has_no_graph"][
        "message"]


ZEROED_THEN_USED = """import torch
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
y.backward(create_graph=True)
g = x.grad
x.grad.zero_()
h = g * 2
h.backward()
print(x.grad)
"""


def test_computing_with_a_grad_torch_changed_in_place_is_refused() -> None:
    """x.grad.zero_() zeroes the very tensor g holds: torch computes with the zeros, and the
    reader, which keeps g as the gradient node, refuses rather than give other numbers."""
    message = engine_side(ZEROED_THEN_USED)["refused"]
    assert message.startswith("line 7, column 5: g * 2: g is the tensor x.grad was")
    assert "set .grad = None before that call" in message


def test_several_outputs_with_create_graph_are_the_sum_of_their_gradients() -> None:
    """torch's answer is the gradient of the outputs' sum (each with its grad_outputs), and it
    is differentiated again as one."""
    x = torch.tensor(1.5, requires_grad=True)
    g, = torch.autograd.grad([x * 2, x ** 3], x, grad_outputs=[torch.tensor(1.0),
                                                              torch.tensor(-2.0)],
                             create_graph=True)
    (g * g).backward()
    ours = engine_side("import torch\nx = torch.tensor(1.5, requires_grad=True)\n"
                       "g, = torch.autograd.grad([x * 2, x ** 3], x, grad_outputs=["
                       "torch.tensor(1.0), torch.tensor(-2.0)], create_graph=True)\n"
                       "(g * g).backward()\n")
    assert ours["error"] is None
    assert ours["grads"]["x"] == pytest.approx(x.grad.item(), rel=1e-6)  # type: ignore[union-attr]
    doc_answer = [c["results"] for c in ours["calls"] if c["kind"] == "grad"]
    assert doc_answer == [{"x": pytest.approx(g.item(), rel=1e-6)}]


def test_about_this_graph_names_the_gradient_nodes() -> None:
    from engine.snippets.reader import import_snippet

    doc = import_snippet(SNIPPETS["mixed_partial_with_the_graph_kept"])
    assert doc.description.startswith("da, db are gradients computed with create_graph=True")
    assert sorted(n.name for n in doc.nodes() if n.op == "grad") == ["da", "db"]
