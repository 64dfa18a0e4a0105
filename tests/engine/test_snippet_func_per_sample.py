"""One derivative per sample, as torch.func's tutorials compute it (per-sample gradients,
batched jacobians): `vmap(grad(f))`, `vmap(jacrev(f))`, `vmap(jacfwd(f))`, read as one
jacobian call of the stacked samples (engine/snippets/func_vmap.py) and judged against the
same snippet run by plain torch in a subprocess, whose vmap answer the reference records;
and the transforms of an assert, read once each however many statements f has."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import engine_side

from engine.snippets.reader import ImportError_, import_snippet

_SQUARE = """import torch
from torch.func import grad, vmap
class Square(torch.autograd.Function):
{rule}    @staticmethod
    def forward({ctx}x):
        return x * x
{setup}    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return 2 * x * g
x = torch.tensor(1.5)
g = grad(lambda t: Square.apply(t))(x)
xs = torch.tensor([1.0, 2.0])
gs = vmap(grad(lambda t: Square.apply(t)))(xs)
"""
_SETUP = """    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])
"""

SNIPPETS = {
    # the torch.func whirlwind tour: dy/dx of a scalar function at many points
    "derivative_at_many_points": """import torch
from torch.func import grad, vmap
def f(x):
    return x ** 2 + torch.sin(x ** 2)
xs = torch.linspace(0, 2, 5)
dy = vmap(grad(f))(xs)
print(dy)
""",
    # torch.func.grad's docs: per-sample gradients of a loss by the weights all samples share
    "per_sample_gradients_by_shared_weights": """import torch
from torch.func import grad, vmap
torch.manual_seed(0)
def model(weights, feature_vec):
    return feature_vec.dot(weights).relu()
def compute_loss(weights, example, target):
    y = model(weights, example)
    return ((y - target) ** 2).mean()
weights = torch.randn(5, requires_grad=True)
examples = torch.randn(3, 5)
targets = torch.randn(3)
inputs = (weights, examples, targets)
grad_weight_per_example = vmap(grad(compute_loss), in_dims=(None, 0, 0))(*inputs)
compute_loss(weights, examples[0], targets[0]).backward()
""",
    # the "jacobians, hessians" tutorial: a batch of jacobians by each sample's input
    "batch_jacobian_by_each_input": """import torch
import torch.nn.functional as F
from torch.func import jacrev, jacfwd, vmap
torch.manual_seed(0)
def predict(weight, bias, x):
    return F.linear(x, weight, bias).tanh()
D = 4
weight = torch.randn(D, D)
bias = torch.randn(D)
x = torch.randn(3, D)
compute_batch_jacobian = vmap(jacrev(predict, argnums=2), in_dims=(None, None, 0))
batch_jacobian0 = compute_batch_jacobian(weight, bias, x)
batch_jacobian1 = vmap(jacfwd(predict, argnums=2), in_dims=(None, None, 0))(weight, bias, x)
""",
    "per_sample_by_weight_and_bias_with_aux": """import torch
from torch.func import grad, vmap
torch.manual_seed(4)
w = torch.randn(3)
b = torch.tensor(0.2)
def loss(w, b, x, y):
    pred = (w * x).sum() + b
    return (pred - y) ** 2, pred
xs = torch.randn(4, 3)
ys = torch.randn(4)
(gw, gb), preds = vmap(grad(loss, argnums=(0, 1), has_aux=True),
                       in_dims=(None, None, 0, 0))(w, b, xs, ys)
print(gw.shape, gb, preds)
""",
    # the losses come back with the gradients, and still reach the weights
    "per_sample_gradients_and_losses": """import torch
from torch.func import grad_and_value, vmap
torch.manual_seed(3)
w = torch.randn(3, requires_grad=True)
def loss(w, x, y):
    return ((w * x).sum() - y) ** 2
xs = torch.randn(4, 3)
ys = torch.randn(4)
g, losses = vmap(grad_and_value(loss), in_dims=(None, 0, 0))(w, xs, ys)
(g2, (l2, sums)) = vmap(grad_and_value(lambda w, x, y: (loss(w, x, y), x.sum()),
                                       has_aux=True), in_dims=(None, 0, 0))(w, xs, ys)
losses.sum().backward()
""",
    "per_sample_jacobian_of_two_outputs": """import torch
from torch.func import jacrev, vmap
def polar(r, th):
    return r * torch.cos(th), r * torch.sin(th)
rs = torch.tensor([[1.0, 2.0], [0.5, 1.5], [3.0, 0.1]])
ths = torch.tensor([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
(dx, dy) = vmap(jacrev(polar, argnums=1))(rs, ths)
""",
    "per_sample_jacobians_by_two_inputs_of_two_outputs": """import torch
from torch.func import jacrev, vmap
def f(a, b):
    return a * b, (a + b).sin()
As = torch.tensor([[1.0, 2.0], [0.5, 1.5], [3.0, 0.1]])
b = torch.tensor([0.3, -0.2])
J = vmap(jacrev(f, argnums=(0, 1)), in_dims=(0, None))(As, b)
""",
    "per_sample_jacobians_of_a_model_by_torch_vmap": """import torch
import torch.nn as nn
from torch import vmap
from torch.func import jacrev, grad
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 2), nn.Tanh())
xs = torch.randn(4, 3, requires_grad=True)
J = vmap(jacrev(model))(xs)
g = torch.vmap(grad(lambda x: model(x).sum()))(xs)
model(xs).pow(2).sum().backward()
""",
    "two_transforms_in_one_assert": """import torch
from torch.func import grad, jacfwd, hessian
def f(x, y, z):
    s = x * y * z
    return s.sum() + (x ** 2).sum()
x = torch.tensor([1.0, 2.0])
y = torch.tensor([0.5, -1.0])
z = torch.tensor([3.0, 0.25])
assert torch.allclose(jacfwd(grad(f))(x, y, z), hessian(f)(x, y, z))
""",
    # a Function inside torch.func's transforms: torch's first complaint, at the line
    "old_style_function_under_grad": _SQUARE.format(
        rule="", ctx="ctx, ", setup="").replace("        x, = ctx.saved_tensors\n",
                                                 "        x = torch.tensor(1.5)\n"),
    "function_without_a_vmap_rule_under_vmap": _SQUARE.format(rule="", ctx="", setup=_SETUP),
    "function_with_a_generated_vmap_rule": _SQUARE.format(
        rule="    generate_vmap_rule = True\n", ctx="", setup=_SETUP),
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_records_torchs_per_sample_answers(
        reference: dict[str, dict[str, Any]]) -> None:
    """The numbers compared are vmap's, and they are each sample's own derivative."""
    xs = torch.linspace(0, 2, 5)
    want = [float(torch.func.grad(lambda t: t ** 2 + torch.sin(t ** 2))(x)) for x in xs]
    assert reference["derivative_at_many_points"]["jacobians"] == [pytest.approx(want)]
    batch = reference["batch_jacobian_by_each_input"]["jacobians"]
    assert len(batch) == 2 and torch.tensor(batch[0]).shape == (3, 4, 4)
    assert torch.allclose(torch.tensor(batch[0]), torch.tensor(batch[1]), atol=1e-6)
    assert len(reference["two_transforms_in_one_assert"]["functionals"]) == 2
    assert "must override the setup_context" in \
        reference["old_style_function_under_grad"]["error"]["message"]
    assert "does not have vmap support" in \
        reference["function_without_a_vmap_rule_under_vmap"]["error"]["message"]
    assert reference["function_with_a_generated_vmap_rule"]["jacobians"] == [
        pytest.approx(3.0), pytest.approx([2.0, 4.0])]


def test_per_sample_gradients_are_one_jacobian_call_by_a_zero_shift() -> None:
    doc = import_snippet(SNIPPETS["derivative_at_many_points"], layout=False)
    jacobians = [c for c in doc.calls if c.kind == "jacobian"]
    assert len(jacobians) == 1
    shift = doc.node(jacobians[0].inputs[0])
    assert shift.name == "xs_shift" and shift.value == 0.0  # what each sample is shifted by
    ours = engine_side(SNIPPETS["per_sample_gradients_by_shared_weights"])
    [call] = [c for c in ours["calls"] if c["kind"] == "jacobian"]
    assert "weights" in call["call"]  # the shared weights are the input itself
    assert torch.tensor(call["jacobian"]).shape == (3, 5)
    assert ours["grads"]["weights"] == pytest.approx(call["jacobian"][0])  # sample 0's


@pytest.mark.parametrize(("code", "says"), [
    ("import torch\nfrom torch.func import vmap, grad\nxs = torch.ones(3, 2)\n"
     "g = vmap(grad(grad(lambda t: t.sin().sum())))(xs)\n",
     "Expected f(*args) to return a scalar Tensor, got tensor with 1 dims"),  # torch's
    ("import torch\nfrom torch.func import vmap, grad\nxs = torch.ones(3, 2)\n"
     "g = vmap(grad(lambda t: t.sin()))(xs)\n", "Expected f(*args) to return a scalar"),
    ("import torch\nfrom torch.func import jacrev\nx = torch.ones(3)\n"
     "H = jacrev(jacrev(lambda t: t.tanh()))(x)\n",
     "of an f whose output has shape [3] is a Hessian per output element"),
    ("import torch\nfrom torch.func import grad, jacfwd\nx = torch.ones(3)\n"
     "H = jacfwd(grad(lambda a, b: (a * b).sum(), argnums=1))(x, x + 1)\n",
     "by argnums 1 inside and 0 outside is a mixed second derivative"),
])
def test_what_is_not_read_under_vmap_says_where(code: str, says: str) -> None:
    with pytest.raises(ImportError_) as caught:
        import_snippet(code, layout=False)
    assert (caught.value.line, caught.value.col) == (4, 5), str(caught.value)
    assert says in str(caught.value)
