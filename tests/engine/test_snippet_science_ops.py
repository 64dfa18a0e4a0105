"""torch.linalg.solve, cholesky, eigvalsh and vector_norm, torch.matrix_exp, torch.cross,
lerp, logaddexp, remainder, fmod, kron, diff, trapezoid (trapz) and torch.special.expit in
learners' snippets, each against plain torch in a subprocess: function and method forms,
options by position and by keyword, a number as the second operand of remainder and fmod,
torch.flip with its dims given by position, and torch's own errors where the shapes do not
fit (in its words). Each is torch's own function in the run, so its gradients are torch's;
the explain formulas of some are checked against torch's autograd."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests

from engine.explain_rules import rule_for

SNIPPETS = {
    'linalg_solve_of_a_matrix_and_a_vector': """import torch
A = torch.tensor([[4.0, 1.0, 0.5], [1.0, 3.0, -1.0], [0.5, -1.0, 2.0]], requires_grad=True)
B = torch.tensor([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]], requires_grad=True)
b = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
X = torch.linalg.solve(A, B)
x = torch.linalg.solve(A, b)
(X.pow(2).sum() + x.sum()).backward()
print(X, x, X.grad_fn, A.grad, B.grad, b.grad)
""",
    'linalg_solve_on_the_right': """import torch
A = torch.tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)
B = torch.tensor([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]], requires_grad=True)
X = torch.linalg.solve(A, B, left=False)
X.sum().backward()
print(X, A.grad, B.grad)
""",
    'linalg_solve_of_shapes_that_do_not_fit': """import torch
A = torch.tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)
b = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
x = torch.linalg.solve(A, b)
x.sum().backward()
""",
    'cholesky_and_eigvalsh_of_a_covariance': """import torch
M = torch.tensor([[1.0, 0.5, 0.0], [0.2, 1.5, -0.3], [0.0, 0.4, 2.0]], requires_grad=True)
S = M @ M.T + torch.eye(3)
L = torch.linalg.cholesky(S)
U = torch.linalg.cholesky(S, upper=True)
w = torch.linalg.eigvalsh(S)
v = torch.linalg.eigvalsh(S, UPLO="U")
(L.sum() + (U ** 2).sum() + (w * torch.tensor([1.0, 2.0, 3.0])).sum() + v[0]).backward()
print(L, w, L.grad_fn, w.grad_fn, M.grad)
""",
    'cholesky_of_a_matrix_that_is_not_square': """import torch
M = torch.ones(2, 3, requires_grad=True)
L = torch.linalg.cholesky(M)
""",
    'matrix_exp_as_function_and_method': """import torch
A = torch.tensor([[0.0, 1.0], [-1.0, 0.5]], requires_grad=True)
E = torch.matrix_exp(A)
F2 = A.matrix_exp() * 2
G = torch.linalg.matrix_exp(A)
(E.sum() + F2[0, 1] + G.pow(2).sum()).backward()
print(E, E.grad_fn, A.grad)
""",
    'cross_of_vectors_and_rows': """import torch
a = torch.tensor([[1.0, 0.0, 2.0], [0.5, -1.0, 1.0]], requires_grad=True)
b = torch.tensor([[0.0, 1.0, -1.0], [2.0, 1.0, 0.5]], requires_grad=True)
c = torch.cross(a, b, dim=1)
d = torch.linalg.cross(a, b)
e = a.cross(b, 1)
f = torch.cross(a, b, -1)
(c.pow(2).sum() + d[0].sum() + (e * f).sum()).backward()
print(c, c.grad_fn, a.grad, b.grad)
""",
    'cross_without_dim_takes_the_first_of_size_three': """import torch
a = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], requires_grad=True)
b = torch.tensor([[0.5, 1.0], [1.0, -1.0], [2.0, 0.0]], requires_grad=True)
c = torch.cross(a, b)
(c * torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])).sum().backward()
print(c, a.grad, b.grad)
""",
    'cross_along_a_dim_of_size_two': """import torch
a = torch.ones(3, 2, requires_grad=True)
b = torch.ones(3, 2, requires_grad=True)
c = torch.cross(a, b, dim=1)
""",
    'lerp_with_a_number_weight': """import torch
start = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
end = torch.tensor([[4.0, -2.0, 0.5], [1.0, 1.0, 1.0]], requires_grad=True)
m = torch.lerp(start, end, 0.25)
n = start.lerp(end, weight=0.75)
(m.pow(2).sum() + n.sum()).backward()
print(m, m.grad_fn, start.grad, end.grad)
""",
    'logaddexp_against_the_naive_sum': """import torch
a = torch.tensor([0.5, 100.0, -3.0], requires_grad=True)
b = torch.tensor([[1.0], [-2.0]], requires_grad=True)
s = torch.logaddexp(a, b)
t = a.logaddexp(a * 2)
(s.sum() + t.sum()).backward()
print(s, s.grad_fn, a.grad, b.grad)
""",
    'remainder_and_fmod_of_numbers_and_tensors': """import torch
x = torch.tensor([-3.5, -1.0, 2.5, 7.25], requires_grad=True)
y = torch.tensor([2.0, -1.5, 1.5, 3.0], requires_grad=True)
r = torch.remainder(x, 2.0)
f = torch.fmod(x, 2.0)
g = torch.fmod(x, y)
h = x.remainder(y) + x.fmod(1.5)
(r * torch.tensor([1.0, 2.0, 3.0, 4.0]) + f * f + g * y + h).sum().backward()
print(r, f, g, h, r.grad_fn, g.grad_fn, x.grad, y.grad)
""",
    'kron_of_two_matrices': """import torch
a = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
b = torch.tensor([[0.0, 1.0, 2.0], [1.0, -1.0, 0.5]], requires_grad=True)
k = torch.kron(a, b)
k2 = a.kron(b)
(k * torch.arange(24.0).reshape(4, 6)).sum().backward()
print(k.shape, k2.shape, a.grad, b.grad)
""",
    'diff_once_twice_and_along_rows': """import torch
x = torch.tensor([[1.0, 4.0, 9.0, 16.0], [2.0, -1.0, 0.5, 3.0]], requires_grad=True)
d1 = torch.diff(x)
d2 = torch.diff(x, n=2)
d0 = x.diff(dim=0)
d3 = torch.diff(x, 1, 0)
(d1.pow(2).sum() + (d2 * 3).sum() + d0.sum() + d3.sum()).backward()
print(d1, d2, d0, d1.grad_fn, x.grad)
""",
    'trapezoid_of_a_step_and_of_points': """import torch
y = torch.tensor([[1.0, 4.0, 9.0, 16.0], [0.0, 1.0, 0.5, 2.0]], requires_grad=True)
t = torch.tensor([0.0, 0.5, 1.5, 3.0], requires_grad=True)
a = torch.trapezoid(y)
b = torch.trapezoid(y, dx=0.5, dim=0)
c = torch.trapz(y, dx=0.25)
d = torch.trapezoid(y, t)
e = torch.trapezoid(y, x=t, dim=1)
(a.sum() + b.pow(2).sum() + c[1] + (d * d).sum() + e.sum()).backward()
print(a, b, c, d, y.grad, t.grad)
""",
    'trapezoid_at_too_few_points': """import torch
y = torch.ones(2, 4, requires_grad=True)
t = torch.tensor([0.0, 1.0, 2.0])
d = torch.trapezoid(y, t)
""",
    'vector_norm_of_orders': """import torch
x = torch.tensor([[3.0, -4.0, 1.0], [0.5, 2.0, -2.0]], requires_grad=True)
n2 = torch.linalg.vector_norm(x)
n1 = torch.linalg.vector_norm(x, ord=1, dim=1)
n3 = torch.linalg.vector_norm(x, 3, dim=0, keepdim=True)
ni = torch.linalg.vector_norm(x, ord=float("inf"), dim=1)
(n2 + n1.sum() + n3.sum() + ni.sum()).backward()
print(n2, n1, n3, ni, n2.grad_fn, x.grad)
""",
    'expit_is_the_sigmoid': """import torch
x = torch.tensor([-2.0, 0.0, 1.5], requires_grad=True)
y = torch.special.expit(x)
(y * y).sum().backward()
print(y, y.grad_fn, x.grad)
""",
    'flip_with_dims_by_position': """import torch
w = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
a = torch.flip(w, [0])
b = torch.flip(w, (0, 1))
c = torch.roll(w, 1)
d = torch.roll(w, 1, 1)
(a * torch.arange(6.0).reshape(2, 3) + b * b + c * 3 + d * w).sum().backward()
print(a, b, c, d, w.grad)
""",
    'unbound_from_the_tensor_class': """import torch
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = torch.tensor([3.0, 4.0, 5.0], requires_grad=True)
y = torch.Tensor.cross(a, b)
z = torch.Tensor.lerp(a, b, 0.5) + torch.Tensor.fmod(a, 2) + torch.Tensor.diff(b).sum()
(y.sum() + z.sum()).backward()
print(a.grad, b.grad)
""",
    'trapz_at_points_and_norms_of_infinite_order': """import math
import pytest
import torch
y = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
x = torch.tensor([0.0, 1.0, 3.0], requires_grad=True)
area = torch.trapz(y, x)
top = torch.linalg.vector_norm(y, ord=math.inf)
low = torch.linalg.vector_norm(y, float("-inf"))
(area + top + 2 * low).backward()
print(area, top, low, y.grad, x.grad)
""",
    'solve_of_tensors_without_grad_is_a_constant': """import torch
A = torch.tensor([[2.0, 1.0], [1.0, 3.0]])
b = torch.tensor([1.0, 2.0])
x = torch.linalg.solve(A, b)
w = torch.tensor([1.0, 1.0], requires_grad=True)
(w * x).sum().backward()
print(x, w.grad)
""",
    'flip_with_a_number_by_position': """import torch
w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = torch.flip(w, 0)
""",
    'a_small_fit_through_solve_and_norm': """import torch
torch.manual_seed(0)
A = torch.randn(3, 3, dtype=torch.float64) + 3 * torch.eye(3, dtype=torch.float64)
w = torch.randn(3, dtype=torch.float64, requires_grad=True)
target = torch.tensor([1.0, -1.0, 0.5], dtype=torch.float64)
for _ in range(3):
    x = torch.linalg.solve(A, w)
    loss = torch.linalg.vector_norm(x - target) + torch.logaddexp(w, -w).sum() * 0.1
    loss.backward()
    with torch.no_grad():
        w -= 0.2 * w.grad
        w.grad.zero_()
print(w, loss.item())
""",
    'python_mod_operator_is_remainder': """import torch
w = torch.tensor([1.5, 2.5, -0.7], requires_grad=True)
b = torch.tensor([1.0, 2.0, 0.5], requires_grad=True)
y = (w % b) * w + (w % 2) + (w % torch.tensor(0.3))
y.sum().backward()
print(w.grad, b.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_shows_what_each_snippet_is_about(
        reference: dict[str, dict[str, Any]]) -> None:
    """The snippets test what they say: torch's own node names and error words."""
    out = {name: ref["stdout"] for name, ref in reference.items()}
    assert "LinalgSolveExBackward0" in out["linalg_solve_of_a_matrix_and_a_vector"]
    cholesky = out["cholesky_and_eigvalsh_of_a_covariance"]
    assert "LinalgCholeskyExBackward0" in cholesky and "LinalgEighBackward0" in cholesky
    assert "LinalgMatrixExpBackward0" in out["matrix_exp_as_function_and_method"]
    assert "LinalgCrossBackward0" in out["cross_of_vectors_and_rows"]
    assert "LerpBackward0" in out["lerp_with_a_number_weight"]
    assert "LogaddexpBackward0" in out["logaddexp_against_the_naive_sum"]
    remainder = out["remainder_and_fmod_of_numbers_and_tensors"]
    assert "RemainderBackward0" in remainder and "FmodBackward1" in remainder
    assert "LinalgVectorNormBackward0" in out["vector_norm_of_orders"]
    assert "SigmoidBackward0" in out["expit_is_the_sigmoid"]
    errors = {name: ref["error"] for name, ref in reference.items() if ref["error"]}
    assert errors == {
        "linalg_solve_of_shapes_that_do_not_fit": {
            "type": "RuntimeError", "message": "linalg.solve: Incompatible shapes of A and B "
            "for the equation AX = B (2x2 and 3x1)"},
        "cholesky_of_a_matrix_that_is_not_square": {
            "type": "RuntimeError", "message": "linalg.cholesky: A must be batches of square "
            "matrices, but they are 2 by 3 matrices"},
        "cross_along_a_dim_of_size_two": {
            "type": "RuntimeError", "message": "linalg.cross: inputs dimension 1 must have "
            "length 3. Got 2 and 2"},
        "flip_with_a_number_by_position": {
            "type": "TypeError", "message": "flip(): argument 'dims' (position 2) must be "
            "tuple of ints, not int"},
        "trapezoid_at_too_few_points": {
            "type": "RuntimeError", "message": "trapezoid: There must be one `x` value for "
            "each sample point"}}


def test_the_gradients_are_the_calculus_ones(reference: dict[str, dict[str, Any]]) -> None:
    mod = reference["python_mod_operator_is_remainder"]["grads"]
    # d/dw [(w mod b)·w] = w + (w mod b); the other two terms add 1 each
    w, b = [1.5, 2.5, -0.7], [1.0, 2.0, 0.5]
    expected = [x + (x - math.floor(x / y) * y) + 2 for x, y in zip(w, b, strict=True)]
    assert mod["w"] == pytest.approx(expected, abs=1e-5)
    assert mod["b"] == pytest.approx([-math.floor(x / y) * x for x, y in zip(w, b, strict=True)])
    """torch's gradients, which the app's agree with, are the textbook ones, computed here
    by hand: lerp's weights, cross's b × g, remainder's and fmod's −⌊a/b⌋ and −trunc(a/b),
    diff's neighbours, the trapezoid rule's halved ends, solve's A⁻ᵀ g."""
    grads = {name: {k: torch.tensor(v) if v is not None else None
                    for k, v in ref["grads"].items()} for name, ref in reference.items()}
    start, end = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([[4.0, -2.0, 0.5], [1.0] * 3])
    m = start + 0.25 * (end - start)
    lerp = grads["lerp_with_a_number_weight"]
    assert torch.allclose(lerp["start"], (0.75 * 2 * m + 0.25).sum(0))
    assert torch.allclose(lerp["end"], 0.25 * 2 * m + 0.75)

    a = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    b = torch.tensor([[0.5, 1.0], [1.0, -1.0], [2.0, 0.0]])
    g = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    cross = grads["cross_without_dim_takes_the_first_of_size_three"]
    assert torch.allclose(cross["a"], torch.linalg.cross(b, g, dim=0))
    assert torch.allclose(cross["b"], torch.linalg.cross(g, a, dim=0))

    x = torch.tensor([-3.5, -1.0, 2.5, 7.25])
    y = torch.tensor([2.0, -1.5, 1.5, 3.0])
    w = torch.tensor([1.0, 2.0, 3.0, 4.0])
    f = x - (x / 2.0).trunc() * 2.0
    fg = x - (x / y).trunc() * y
    modulo = grads["remainder_and_fmod_of_numbers_and_tensors"]
    assert torch.allclose(modulo["x"], w + 2 * f + y + 1 + 1)
    assert torch.allclose(modulo["y"], fg - y * (x / y).trunc() - (x / y).floor())

    diff = grads["diff_once_twice_and_along_rows"]["x"]
    rows = torch.tensor([[1.0, 4.0, 9.0, 16.0], [2.0, -1.0, 0.5, 3.0]])
    d1 = rows[:, 1:] - rows[:, :-1]
    want = torch.zeros(2, 4)
    want[:, 1:] += 2 * d1
    want[:, :-1] -= 2 * d1
    want += 3 * torch.tensor([1.0, -1.0, -1.0, 1.0])  # Σ of the second differences
    want += torch.tensor([[-2.0], [2.0]])  # the differences of the rows, twice
    assert torch.allclose(diff, want)

    trap = grads["trapezoid_of_a_step_and_of_points"]
    t = torch.tensor([0.0, 0.5, 1.5, 3.0])
    yv = torch.tensor([[1.0, 4.0, 9.0, 16.0], [0.0, 1.0, 0.5, 2.0]])
    ends = torch.tensor([0.5, 1.0, 1.0, 0.5])
    widths = torch.cat([t[1:2] - t[:1], t[2:] - t[:-2], t[-1:] - t[-2:-1]]) / 2
    d = (yv * widths).sum(1)
    bsum = 0.5 * (yv[0] + yv[1]) / 2
    want_y = ends + 2 * bsum * 0.5 / 2 * torch.ones(2, 1) + torch.outer(torch.tensor(
        [0.0, 0.25]), ends) + 2 * d[:, None] * widths + widths
    assert torch.allclose(trap["y"], want_y)

    A = torch.tensor([[4.0, 1.0, 0.5], [1.0, 3.0, -1.0], [0.5, -1.0, 2.0]])
    B = torch.tensor([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]])
    X = torch.inverse(A) @ B
    solve = grads["linalg_solve_of_a_matrix_and_a_vector"]
    assert torch.allclose(solve["B"], torch.inverse(A).T @ (2 * X), atol=1e-5)
    assert torch.allclose(solve["b"], torch.inverse(A).T @ torch.ones(3), atol=1e-5)


def test_the_explain_formulas_are_torchs_gradients() -> None:
    """The explain panel's rules, computed as written, against torch's autograd."""
    a = torch.tensor([[1.0, 0.0, 2.0], [0.5, -1.0, 1.0]], requires_grad=True)
    b = torch.tensor([[0.0, 1.0, -1.0], [2.0, 1.0, 0.5]], requires_grad=True)
    g = torch.tensor([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]])
    torch.linalg.cross(a, b).backward(g)
    assert rule_for("cross", {"dim": -1}, "input") is not None
    assert torch.allclose(a.grad, torch.linalg.cross(b, g))
    assert torch.allclose(b.grad, torch.linalg.cross(g, a))

    start, end = torch.ones(3, requires_grad=True), torch.zeros(3, requires_grad=True)
    torch.lerp(start, end, 0.3).backward(g[0])
    assert rule_for("lerp", {"weight": 0.3}, "input")[0] == "0.7 · {g}"  # type: ignore[index]
    assert rule_for("lerp", {"weight": 0.3}, "end")[0] == "0.3 · {g}"  # type: ignore[index]
    assert torch.allclose(start.grad, 0.7 * g[0]) and torch.allclose(end.grad, 0.3 * g[0])

    x = torch.tensor([0.5, 100.0, -3.0], requires_grad=True)
    y = torch.tensor([1.0, 99.0, -3.0], requires_grad=True)
    torch.logaddexp(x, y).backward(g[1])
    assert torch.allclose(x.grad, g[1] * torch.sigmoid(x - y).detach())

    v = torch.tensor([3.0, -4.0, 1.0], requires_grad=True)
    n = torch.linalg.vector_norm(v, ord=3)
    n.backward()
    assert rule_for("linalg_vector_norm", {"ord": 3.0}, "input")[0] == \
        "{g} · sign({a}) · |{a}|^(2) / {out}^(2)"  # type: ignore[index]
    assert torch.allclose(v.grad, (v.sign() * v.abs() ** 2 / n ** 2).detach())

    S = torch.tensor([[2.0, 0.5], [0.5, 1.0]], requires_grad=True)
    torch.linalg.eigvalsh(S).backward(torch.tensor([1.0, 3.0]))
    _, V = torch.linalg.eigh(S.detach())
    assert torch.allclose(S.grad, V @ torch.diag(torch.tensor([1.0, 3.0])) @ V.T, atol=1e-6)
    assert rule_for("trapezoid", {"dx": 0.5}, "y")[0] == \
        "0.5 · {g}, halved at both ends"  # type: ignore[index]
