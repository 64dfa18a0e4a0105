"""torch.addmm(input, mat1, mat2) in learners' snippets, each against plain torch in a
subprocess: beta= and alpha= by keyword, a bias of one row broadcast over the product, the
method form input.addmm(mat1, mat2) and torch.Tensor.addmm, a module's forward adding its
bias with it, the tensors named by keyword, torch's own errors where mat1 and mat2 do not
multiply or input does not broadcast (in its words), grad_fn read as AddmmBackward0 and
walked, a small fit in float64; torch.addmv and torch.baddbmm the same way. Each is
torch's own function in the run, so its gradients are torch's."""

from __future__ import annotations

from typing import Any

import torch
from snippet_agreement import agreement_tests

from engine.explain_rules import rule_for

SNIPPETS = {
    'addmm_with_a_gradient_given_to_backward': """import torch
input_tensor = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
mat1 = torch.tensor([[1.0, 0.0], [0.0, 1.0]], requires_grad=True)
mat2 = torch.tensor([[5.0, 6.0], [7.0, 8.0]], requires_grad=True)
output = torch.addmm(input_tensor, mat1, mat2)
output.backward(torch.tensor([[1., 0.], [0., 1.]]))
print(mat2.grad, output.grad_fn)
""",
    'addmm_with_beta_and_alpha': """import torch
b = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], requires_grad=True)
x = torch.tensor([[1.0, 2.0], [3.0, -1.0]], requires_grad=True)
w = torch.tensor([[0.5, -2.0, 1.0], [3.0, 0.5, -1.5]], requires_grad=True)
y = torch.addmm(b, x, w, beta=0.5, alpha=2.0)
z = torch.addmm(b, x, w, beta=2, alpha=-3)
(y * y).sum().backward(retain_graph=True)
z.sum().backward()
print(y, z, b.grad, x.grad, w.grad)
""",
    'addmm_with_a_bias_of_one_row': """import torch
bias = torch.tensor([0.1, -0.2, 0.3], requires_grad=True)
x = torch.tensor([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5], [2.0, 1.0]], requires_grad=True)
w = torch.tensor([[0.5, -2.0, 1.0], [3.0, 0.5, -1.5]], requires_grad=True)
h = torch.addmm(bias, x, w)
loss = torch.tanh(h).pow(2).mean()
loss.backward()
print(h.shape, bias.grad, x.grad, w.grad, h.grad_fn)
""",
    'addmm_as_a_method': """import torch
m = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
a = torch.tensor([[1.0, -1.0, 2.0], [0.5, 0.0, 1.0]], requires_grad=True)
c = torch.tensor([[2.0, 1.0], [0.0, 1.0], [1.0, -1.0]], requires_grad=True)
out = m.addmm(a, c)
out2 = m.addmm(a, c, beta=0.0, alpha=0.5)
(out.sum() + (out2 ** 2).sum()).backward()
print(out, out2, m.grad, a.grad, c.grad)
""",
    'addmm_with_the_tensors_named': """import torch
b = torch.tensor([1.0, 2.0], requires_grad=True)
x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
w = torch.tensor([[0.5, 1.0], [1.0, 0.5]], requires_grad=True)
y = torch.addmm(input=b, mat1=x, mat2=w)
y.sum().backward()
print(y, x.grad, b.grad)
""",
    'addmm_of_matrices_that_do_not_multiply': """import torch
inp = torch.zeros(2, 2, requires_grad=True)
a = torch.ones(2, 3, requires_grad=True)
b = torch.ones(2, 2, requires_grad=True)
out = torch.addmm(inp, a, b)
out.sum().backward()
print(inp.grad)
""",
    'addmm_of_an_input_that_does_not_broadcast': """import torch
b = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
w = torch.tensor([[0.5, 1.0], [1.0, 0.5]], requires_grad=True)
y = torch.addmm(b, x, w)
y.sum().backward()
""",
    'addmm_of_a_vector': """import torch
b = torch.tensor([1.0, 2.0], requires_grad=True)
x = torch.tensor([1.0, 2.0], requires_grad=True)
w = torch.tensor([[0.5, 1.0], [1.0, 0.5]], requires_grad=True)
y = torch.addmm(b, x, w)
""",
    'addmm_grad_fn_walked': """import torch
b = torch.tensor([1.0, 2.0], requires_grad=True)
x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
w = torch.tensor([[0.5, 1.0], [1.0, 0.5]], requires_grad=True)
y = torch.addmm(b, x, w)
print(y.grad_fn.name(), [type(f).__name__ for f, _ in y.grad_fn.next_functions])
y.sum().backward()
print(b.grad)
""",
    'addmm_in_a_small_fit': """import torch
torch.manual_seed(0)
X = torch.randn(5, 3, dtype=torch.float64)
W = torch.randn(3, 2, dtype=torch.float64, requires_grad=True)
b = torch.zeros(2, dtype=torch.float64, requires_grad=True)
for _ in range(3):
    out = torch.addmm(b, X, W)
    loss = ((out - 1.0) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        W -= 0.1 * W.grad
        b -= 0.1 * b.grad
        W.grad.zero_(); b.grad.zero_()
print(W, b, loss.item())
""",
    'addmm_in_a_module_forward': """import torch
import torch.nn as nn
class MyLinear(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.W = nn.Parameter(torch.ones(n_out, n_in) * 0.5)
        self.b = nn.Parameter(torch.zeros(n_out))
    def forward(self, x):
        return torch.addmm(self.b, x, self.W.t())
layer = MyLinear(3, 2)
x = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])
out = layer(x).relu()
out.retain_grad()
loss = out.pow(2).sum()
loss.backward()
print(layer.W.grad, layer.b.grad, out.grad)
""",
    'addmm_unbound_from_the_tensor_class': """import torch
b = torch.tensor([1.0, 2.0], requires_grad=True)
x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
y = torch.Tensor.addmm(b, x, x, alpha=2)
y.sum().backward()
print(x.grad, y.grad_fn.next_functions)
""",
    'addmv_as_function_and_method': """import torch
b = torch.tensor([1.0, -1.0], requires_grad=True)
m = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], requires_grad=True)
v = torch.tensor([2.0, 1.0, -1.0], requires_grad=True)
u = torch.addmv(b, m, v, beta=0.5, alpha=2.0)
y = u + b.addmv(m, v)
y.pow(2).sum().backward()
print(y, u.grad_fn, b.grad, m.grad, v.grad)
""",
    'addmv_of_sizes_that_do_not_match': """import torch
b = torch.zeros(3, requires_grad=True)
m = torch.ones(3, 2, requires_grad=True)
v = torch.ones(3, requires_grad=True)
y = torch.addmv(b, m, v)
""",
    'baddbmm_with_a_broadcast_input': """import torch
bias = torch.tensor([[0.5, -0.5]], requires_grad=True)
b1 = torch.tensor([[[1.0, 2.0], [3.0, 4.0]], [[0.0, 1.0], [1.0, 0.0]]], requires_grad=True)
b2 = torch.tensor([[[1.0, -1.0], [2.0, 0.5]], [[3.0, 1.0], [-2.0, 1.0]]], requires_grad=True)
out = torch.baddbmm(bias, b1, b2, alpha=0.5)
out2 = bias.baddbmm(b1, b2, beta=-1.0)
(out.sum() + out2.pow(2).sum()).backward()
print(out.grad_fn, out2.grad_fn, bias.grad, b1.grad, b2.grad)
""",
    'baddbmm_of_batches_that_do_not_multiply': """import torch
inp = torch.zeros(2, 2, 2)
b1 = torch.ones(2, 2, 3, requires_grad=True)
b2 = torch.ones(2, 2, 2, requires_grad=True)
out = torch.baddbmm(inp, b1, b2)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_shows_what_each_snippet_is_about(
        reference: dict[str, dict[str, Any]]) -> None:
    """The snippets test what they say: torch's own node names and error words."""
    assert "AddmmBackward0" in reference["addmm_with_a_gradient_given_to_backward"]["stdout"]
    assert reference["addmm_grad_fn_walked"]["stdout"].startswith("AddmmBackward0 [")
    assert reference["addmm_with_a_bias_of_one_row"]["grads"]["bias"] != [0.0, 0.0, 0.0]
    baddbmm = reference["baddbmm_with_a_broadcast_input"]["stdout"]
    assert baddbmm.count("BaddbmmBackward0") == 2
    assert "AddmvBackward0" in reference["addmv_as_function_and_method"]["stdout"]
    assert reference["addmm_of_matrices_that_do_not_multiply"]["error"] == {
        "type": "RuntimeError",
        "message": "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x2)"}
    assert "expanded size" in reference[
        "addmm_of_an_input_that_does_not_broadcast"]["error"]["message"]
    assert reference["addmm_of_a_vector"]["error"]["message"] == \
        "mat1 must be a matrix, got 1-D tensor"
    assert reference["addmv_of_sizes_that_do_not_match"]["error"]["message"].startswith(
        "size mismatch")
    assert reference["baddbmm_of_batches_that_do_not_multiply"]["error"]["type"] == \
        "RuntimeError"


def test_the_explain_rules_give_torchs_gradients_with_the_nodes_beta_and_alpha() -> None:
    """The explain panel's words for addmm, with beta and alpha written as numbers, are
    the gradients torch computes: checked by evaluating them against torch's autograd."""
    def formula(params: dict[str, float], port: str) -> str:
        found = rule_for("addmm", params, port)
        assert found is not None
        return found[0]

    scaled = {"beta": 0.5, "alpha": -2.0}
    assert formula(scaled, "input") == "0.5 · {g}, summed to the shape of {a}"
    assert formula(scaled, "mat1") == "-2 · {g} @ {c}ᵀ"
    assert formula(scaled, "mat2") == "-2 · {b}ᵀ @ {g}"
    assert formula({"beta": 1.0, "alpha": 1.0}, "mat1") == "{g} @ {c}ᵀ"
    gen = torch.Generator().manual_seed(3)
    b, m1, m2 = (torch.randn(s, generator=gen, dtype=torch.float64, requires_grad=True)
                 for s in [(3,), (2, 4), (4, 3)])
    g = torch.randn(2, 3, generator=gen, dtype=torch.float64)
    torch.addmm(b, m1, m2, beta=0.5, alpha=-2.0).backward(g)
    with torch.no_grad():  # the formulas as written, evaluated on the same numbers
        torch.testing.assert_close(b.grad, (0.5 * g).sum(0))
        torch.testing.assert_close(m1.grad, -2 * g @ m2.T)
        torch.testing.assert_close(m2.grad, -2 * m1.T @ g)
