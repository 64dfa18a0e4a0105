"""torch.func's transforms (and functorch's names), forward-mode AD and gradcheck, read onto
the calls whose numbers they are and judged against the same snippet run by plain torch (in a
subprocess), whose torch.func answers the reference records with those calls: the same
answers, in the same order, the same leaf grads and the same errors. Refusals say where and
why."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
from test_corpus import agrees, engine_side
from torch_reference import by_name

from engine.snippets.reader import ImportError_, import_snippet

SNIPPETS = {
    "grad_by_a_chosen_argument": """import torch
from torch.func import grad, grad_and_value
torch.manual_seed(3)
def energy(pos, k):
    return 0.5 * (k * pos ** 2).sum()
p = torch.randn(4)
k = torch.rand(4) + 1.0
dk = grad(energy, argnums=1)(p, k)
both = grad(energy, argnums=(0, 1))(p, k)
g, e = grad_and_value(energy)(p, k)
print(dk, both, g, e)
""",
    "grad_with_an_aux_value": """import torch
import torch.func as tf
def loss_and_norm(w):
    out = (w.tanh() * torch.tensor([1.0, -2.0, 0.5])).sum()
    return out, w.norm()
w0 = torch.tensor([0.3, -0.7, 1.1])
g, norm = tf.grad(loss_and_norm, has_aux=True)(w0)
print(g, norm)
""",
    "jacobians_of_a_pair_and_of_a_layer": """import torch
import torch.nn as nn
from torch.func import jacrev, jacfwd
torch.manual_seed(5)
def polar(r, th):
    return r * torch.cos(th), r * torch.sin(th)
r = torch.rand(3) + 0.5
th = torch.rand(3)
J = jacrev(polar, argnums=(0, 1))(r, th)
layer = nn.Linear(3, 2)
JL = jacfwd(layer)(torch.randn(3))
Jexp = jacrev(torch.exp)(th)
""",
    "hessians_three_ways": """import torch
from torch.func import hessian, jacfwd, jacrev, grad
def bowl(a, b):
    return (a ** 2 * b).sum() + (a * b ** 3).sum()
a = torch.tensor([1.0, -0.5])
b = torch.tensor([0.25, 2.0])
H = hessian(bowl, argnums=(0, 1))(a, b)
Ha = jacfwd(jacrev(bowl))(a, b)
s = torch.tensor(0.7)
curv = grad(grad(lambda t: t.exp() * t.sin()))(s)
""",
    "vjp_of_two_outputs_asked_twice": """import torch
from torch.func import vjp
def f(x, y):
    return x * y, (x - y).exp()
x = torch.tensor([1.0, 2.0])
y = torch.tensor([0.5, -1.0])
outs, pullback = vjp(f, x, y)
first = pullback((torch.ones(2), torch.zeros(2)))
second = pullback((torch.tensor([1.0, -1.0]), torch.tensor([2.0, 3.0])))
print(outs, first, second)
""",
    "jvp_pushes_two_tangents": """import torch
from torch.func import jvp
def f(u, v):
    return (u * v).sin()
u = torch.tensor([0.1, 0.2, 0.3])
v = torch.tensor([1.0, 2.0, 3.0])
value, pushed = jvp(f, (u, v), (torch.ones(3), torch.tensor([0.0, 1.0, 0.0])))
""",
    "vmap_of_a_plain_function_then_backward": """import torch
from torch.func import vmap
torch.manual_seed(1)
w = torch.randn(3, requires_grad=True)
def score(row, bias):
    return (row * w).sum() + bias
xs = torch.randn(4, 3)
scores = vmap(score, in_dims=(0, None))(xs, torch.tensor(0.5))
scores.pow(2).sum().backward()
""",
    "functorch_names": """import torch
from functorch import grad, jacrev
x = torch.tensor([0.5, 1.5])
g = grad(lambda t: (t ** 3).sum())(x)
J = jacrev(lambda t: t.cumsum(0))(x)
""",
    "forward_mode_by_two_duals": """import torch
import torch.autograd.forward_ad as fwAD
a = torch.tensor([1.0, 2.0, 3.0])
b = torch.tensor([0.5, 0.5, -1.0])
ta = torch.tensor([1.0, 0.0, 0.0])
tb = torch.tensor([0.0, 2.0, 1.0])
with fwAD.dual_level():
    da = fwAD.make_dual(a, ta)
    db = fwAD.make_dual(b, tb)
    assert fwAD.unpack_dual(da).tangent is ta
    out = da.exp() * db + torch.tensor([1.0, 1.0, 1.0])
    primal, tangent = fwAD.unpack_dual(out)
    only_a = fwAD.unpack_dual(da * 3.0).tangent
assert fwAD.unpack_dual(out).tangent is None
print(tangent, only_a)
""",
    "gradchecks_pass_and_fail": """import torch
from torch.autograd import gradcheck, gradgradcheck
torch.manual_seed(2)
x = torch.randn(4, dtype=torch.double, requires_grad=True)
scale = torch.randn(4, dtype=torch.double)
def softish(t):
    return torch.log1p(t.exp()) * scale
assert gradcheck(softish, (x,))
assert gradgradcheck(softish, (x,))
print(gradcheck(torch.tanh, x))
z = torch.randn(3, requires_grad=True)
print(gradcheck(lambda t: t.sin() * t, (z,), raise_exception=False))
after = torch.randn(2, requires_grad=True)
(after * 2).sum().backward()
gradcheck(lambda t: t.sin() * t, (z,))
""",
    "aux_holds_the_input_and_is_used_after": """import torch
from torch.func import grad
def fit(target, guess):
    err = (guess - target) ** 2
    return err.mean(), (guess, err)
target = torch.tensor([1.0, 0.0, -1.0])
guess = torch.tensor([0.5, 0.5, 0.5], requires_grad=True)
(gt, gg), (same, err) = grad(fit, argnums=(0, 1), has_aux=True)(target, guess)
err.sum().backward()
""",
    "transforms_inside_asserts": """import torch
from torch.func import grad, jacrev, jvp
x = torch.tensor([0.3, 0.9])
assert torch.allclose(grad(lambda t: t.sin().sum())(x), x.cos())
assert torch.allclose(torch.diag(x.cos()), jacrev(torch.sin)(x))
assert torch.allclose(jvp(torch.sin, (x,), (torch.ones(2),))[1], x.cos())
""",
    "vjp_fn_with_a_v_of_the_wrong_shape": """import torch
from torch.func import vjp
w = torch.ones(3)
out, pull = vjp(lambda t: t * 2, w)
g = pull(torch.ones(4))
""",
    "jvp_with_a_tangent_of_the_wrong_shape": """import torch
from torch.func import jvp
w = torch.ones(3)
value, pushed = jvp(lambda t: t * 2, (w,), (torch.ones(4),))
""",
    "argnums_past_the_inputs": """import torch
from torch.func import jacrev
w = torch.ones(3)
J = jacrev(lambda t: t * 2, argnums=1)(w)
""",
    "vmap_of_inputs_of_two_sizes": """import torch
from torch.func import vmap
def plus(a, b):
    return a + b
z = vmap(plus)(torch.ones(3, 2), torch.ones(4, 2))
""",
    "make_dual_outside_a_level": """import torch
import torch.autograd.forward_ad as fwAD
d = fwAD.make_dual(torch.ones(2), torch.ones(2))
""",
    "grad_of_grad_of_a_vector_is_torchs_error": """import torch
from torch.func import grad
x = torch.tensor([1.0, 2.0])
h = grad(grad(lambda t: t.sin().sum()))(x)
""",
    "grad_of_a_vector_output_is_torchs_error": """import torch
from torch.func import grad
x = torch.tensor([1.0, 2.0])
g = grad(lambda t: t * 2)(x)
""",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name(SNIPPETS)


@pytest.mark.parametrize("name", SNIPPETS)
def test_read_as_plain_torch_runs_it(name: str, reference: dict[str, dict[str, Any]]) -> None:
    ours = engine_side(SNIPPETS[name])
    assert agrees(ours, reference[name]) is None, agrees(ours, reference[name])


def _answers(ours: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(c["kind"] if c["kind"] == "jacobian" else c["function"],
             c["jacobian"] if c["kind"] == "jacobian" else c["answer"])
            for c in ours["calls"] if c["kind"] in ("jacobian", "functional")]


def test_every_transform_is_a_compared_answer(reference: dict[str, dict[str, Any]]) -> None:
    """The comparison is not empty: torch's side recorded each transform's answer, and the
    engine made one call per answer, of the kind whose numbers it is."""
    want = {"grad_by_a_chosen_argument": ["jacobian"] * 3,
            "grad_with_an_aux_value": ["jacobian"],
            "jacobians_of_a_pair_and_of_a_layer": ["jacobian"] * 3,
            "hessians_three_ways": ["hessian"] * 3,
            "vjp_of_two_outputs_asked_twice": ["vjp", "vjp"],
            "jvp_pushes_two_tangents": ["jvp"],
            "functorch_names": ["jacobian", "jacobian"],
            "forward_mode_by_two_duals": ["jvp", "jvp"],
            "aux_holds_the_input_and_is_used_after": ["jacobian"],
            "transforms_inside_asserts": ["jacobian", "jacobian", "jvp"]}
    for name, kinds in want.items():
        theirs = reference[name]
        assert len(theirs["jacobians"]) + len(theirs["functionals"]) == len(kinds), name
        assert [k for k, _ in _answers(engine_side(SNIPPETS[name]))] == kinds, name


def test_the_numbers_are_torchs(reference: dict[str, dict[str, Any]]) -> None:
    ours = dict(_answers(engine_side(SNIPPETS["grad_by_a_chosen_argument"]))[:1])
    torch.manual_seed(3)
    p = torch.randn(4)
    assert torch.allclose(torch.tensor(ours["jacobian"]), 0.5 * p ** 2)  # dE/dk by hand
    (_, h), = [a for a in _answers(engine_side(SNIPPETS["hessians_three_ways"]))[2:]]
    assert math.isclose(h, (2 * torch.tensor(0.7).exp() * torch.tensor(0.7).cos()).item(),
                        rel_tol=1e-5)
    fwd = _answers(engine_side(SNIPPETS["forward_mode_by_two_duals"]))
    a, b = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0.5, 0.5, -1.0])
    ta, tb = torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 2.0, 1.0])
    assert torch.allclose(torch.tensor(fwd[0][1][1]), a.exp() * ta * b + a.exp() * tb)
    assert fwd[1][1][1] == [3.0, 0.0, 0.0]
    vjps = _answers(engine_side(SNIPPETS["vjp_of_two_outputs_asked_twice"]))
    assert vjps[0][1][1] == [[0.5, -1.0], [1.0, 2.0]]  # ∂(xy)/∂x = y, ∂(xy)/∂y = x
    grads = engine_side(SNIPPETS["vmap_of_a_plain_function_then_backward"])["grads"]
    assert grads["w"] == pytest.approx(reference["vmap_of_a_plain_function_then_backward"]
                                       ["grads"]["w"], rel=1e-5)
    assert any(g != 0 for g in grads["w"])
    aux = engine_side(SNIPPETS["aux_holds_the_input_and_is_used_after"])["grads"]
    assert aux["guess"] == pytest.approx([-1.0, 1.0, 3.0])  # d/dguess of Σ(guess - target)²


def test_gradcheck_is_torchs_own_answer(reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference["gradchecks_pass_and_fail"]
    assert theirs["stdout"] == "True\nFalse\n"
    assert theirs["error"]["type"] == "GradcheckError"
    ours = engine_side(SNIPPETS["gradchecks_pass_and_fail"])
    assert ours["error"]["type"] == "GradcheckError"
    assert ours["error"]["message"] == theirs["error"]["message"]
    assert ours["grads"]["after"] == [2.0, 2.0]  # the backward before the failing check ran


def test_errors_torch_raises_are_its_own_words(reference: dict[str, dict[str, Any]]) -> None:
    """Each of these raises in plain torch (test_read_as_plain_torch_runs_it compares the
    text): the engine says it in torch.func's words, not torch.autograd.functional's."""
    raised = {"vjp_fn_with_a_v_of_the_wrong_shape": "Mismatch in shape",
              "jvp_with_a_tangent_of_the_wrong_shape": "different size",
              "argnums_past_the_inputs": "Got argnum=1",
              "vmap_of_inputs_of_two_sizes": "same size in the mapped dimension",
              "make_dual_outside_a_level": "no level exists"}
    for name, says in raised.items():
        assert says in reference[name]["error"]["message"], name
        assert says in engine_side(SNIPPETS[name])["error"]["message"], name
    for name in ("grad_of_grad_of_a_vector_is_torchs_error",
                 "grad_of_a_vector_output_is_torchs_error"):
        assert "Expected f(*args) to return a scalar Tensor" in \
            reference[name]["error"]["message"], name


@pytest.mark.parametrize(("code", "line", "col", "says"), [
    ("import torch\nfrom torch.func import grad\nx = torch.tensor(1.0)\n"
     "g = grad(grad(grad(torch.sin)))(x)\n", 4, 5, "derivative of a derivative"),
    ("import torch\nfrom torch.func import grad\ndef slope(t):\n"
     "    return grad(lambda u: u.sin())(t)\ng2 = grad(slope)(torch.tensor(0.4))\n", 5, 6,
     "a derivative of a derivative"),
    ("import torch\nfrom torch.func import hessian\nx = torch.ones(2)\n"
     "H = hessian(lambda t: t ** 2)(x)\n", 4, 5, "one 0-dim output"),
    ("import torch\nfrom torch.func import grad\nx = torch.ones(2, requires_grad=True)\n"
     "g = grad(lambda t: t.sum())(x)\n(x * g).sum().backward()\n", 5, 1,
     "returned carries a graph of its inputs in torch"),
    ("import torch\nfrom torch.func import vmap\nxs = torch.ones(3, 2)\n"
     "ys = vmap(torch.sin, in_dims=1)(xs)\n", 4, 6, "in_dims of 0 or None"),
    ("import torch\nfrom torch.func import jacrev\nx = torch.ones(2)\n"
     "J = jacrev(torch.sin, randomness='same')(x)\n", 4, 5, "has no argument randomness="),
])
def test_what_is_not_read_is_refused_where_it_is(code: str, line: int, col: int,
                                                  says: str) -> None:
    with pytest.raises(ImportError_) as caught:
        import_snippet(code, layout=False)
    assert (caught.value.line, caught.value.col) == (line, col), str(caught.value)
    assert says in str(caught.value)
